package main

import (
	"sync"
	"time"
)

// parked: start n goroutines that each park on one channel receive.  One
// op = one goroutine started and parked; timed from the first go statement
// until the last one has checked in (wg.Done just before it parks).  The
// peak RSS that main prints is what n parked goroutines cost.  Then the
// gate is closed and every goroutine returns (untimed).
func parked(n int64) {
	gate := make(chan byte)
	var started, done sync.WaitGroup
	started.Add(int(n))
	done.Add(int(n))
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		go func() {
			started.Done()
			<-gate
			done.Done()
		}()
	}
	started.Wait()
	elapsedOverride = time.Since(t0)
	close(gate)
	done.Wait()
}
