-- docs/handout-links.lua — pandoc filter for `make handout` (docs/build.mk):
-- a link to another course page (exercises/NN-x/README.md, ../NN-x/README.md)
-- points at its HTML sheet; a link to a doc page or source file, which the
-- handout does not carry, points at the project's file of that name and keeps
-- its text.
function Link(el)
  local t = el.target
  if t:match("^%a+:") or t:match("^#") then return el end
  local ex = t:match("exercises/(%d%d%-[%w-]+)/README%.md$") or t:match("^%.%./(%d%d%-[%w-]+)/README%.md$")
  if ex then el.target = "exercises/" .. ex .. ".html"; return el end
  if t:match("course%.md$") then el.target = "course.html"; return el end
  return el.content
end
