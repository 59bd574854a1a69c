package main

import "sync"

// mutexBench: 4 goroutines lock a shared mutex, increment a counter and
// unlock, n/4 times each.  One op = one lock/unlock pair.
func mutexBench(n int64) {
	const goroutines = 4
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := int64(0)
	k := n / goroutines
	wg.Add(goroutines)
	for i := 0; i < goroutines; i++ {
		go func() {
			for j := int64(0); j < k; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	mu.Lock()
	c := counter
	mu.Unlock()
	check(c == goroutines*k, "mutex: counter %d, want %d", c, goroutines*k)
}
