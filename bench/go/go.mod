module chanscope/bench

go 1.19
