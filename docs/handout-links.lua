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

-- An exercise sheet is handed out before the attempt: its "What it teaches"
-- section names the fix, so it is left out (as `exercise show` does).
function Pandoc(doc)
  local out, skip_level = {}, nil
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" then
      if skip_level and b.level <= skip_level then skip_level = nil end
      if pandoc.utils.stringify(b):match("^What it teaches") then skip_level = b.level end
    end
    if not skip_level then table.insert(out, b) end
  end
  doc.blocks = out
  return doc
end
