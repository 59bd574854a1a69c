package main

import "sync"

// pool: a feeder sends n jobs (channel capacity 100), 4 workers send job*2
// on results (capacity 100), a closer closes results after the workers,
// main sums the results.  One op = one job, end to end.
func pool(n int64) {
	const workers, capacity = 4, 100
	jobs := make(chan int64, capacity)
	results := make(chan int64, capacity)
	var wg sync.WaitGroup
	wg.Add(workers)
	for i := 0; i < workers; i++ {
		go func() {
			for j := range jobs {
				results <- j * 2
			}
			wg.Done()
		}()
	}
	go func() {
		for j := int64(1); j <= n; j++ {
			jobs <- j
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var sum, count int64
	for r := range results {
		sum += r
		count++
	}
	check(count == n && sum == n*(n+1), "pool: %d results, sum %d", count, sum)
}
