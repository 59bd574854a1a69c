package main

// selectBench: main selects over 4 receive cases fed by 4 producers (each
// channel has capacity 16); a closed channel is set to nil to disable its
// case.  One op = one select that received a value.
func selectBench(n int64) {
	const nch = 4
	k := n / nch
	var ch [nch]chan int64
	for i := range ch {
		c := make(chan int64, 16)
		ch[i] = c
		go func() {
			for j := int64(1); j <= k; j++ {
				c <- j
			}
			close(c)
		}()
	}
	var sum, count int64
	for open := nch; open > 0; {
		var v int64
		var ok bool
		var i int
		select {
		case v, ok = <-ch[0]:
			i = 0
		case v, ok = <-ch[1]:
			i = 1
		case v, ok = <-ch[2]:
			i = 2
		case v, ok = <-ch[3]:
			i = 3
		}
		if !ok {
			ch[i] = nil
			open--
			continue
		}
		sum += v
		count++
	}
	check(count == nch*k && sum == nch*(k*(k+1)/2), "select: %d values, sum %d", count, sum)
}
