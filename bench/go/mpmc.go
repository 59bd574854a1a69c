package main

import (
	"sync"
	"sync/atomic"
)

// mpmc: 4 producers and 4 consumers share one channel of capacity 1024;
// a closer closes it once the producers are done.  One op = one message.
func mpmc(n int64) {
	const producers, consumers = 4, 4
	ch := make(chan int64, 1024)
	k := n / producers
	var pwg, cwg sync.WaitGroup
	var total, count int64
	pwg.Add(producers)
	cwg.Add(consumers)
	for i := 0; i < consumers; i++ {
		go func() {
			var s, c int64
			for v := range ch {
				s += v
				c++
			}
			atomic.AddInt64(&total, s)
			atomic.AddInt64(&count, c)
			cwg.Done()
		}()
	}
	for i := 0; i < producers; i++ {
		go func() {
			for j := int64(1); j <= k; j++ {
				ch <- j
			}
			pwg.Done()
		}()
	}
	go func() {
		pwg.Wait()
		close(ch)
	}()
	cwg.Wait()
	check(count == producers*k && total == producers*(k*(k+1)/2),
		"mpmc: %d messages, sum %d", count, total)
}
