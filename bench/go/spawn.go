package main

import "sync"

// spawn: start goroutines in batches of 100 and join each batch with a
// WaitGroup.  One op = one goroutine started, run and joined.
func spawn(n int64) {
	const batchSize = 100
	var wg sync.WaitGroup
	for done := int64(0); done < n; {
		batch := n - done
		if batch > batchSize {
			batch = batchSize
		}
		wg.Add(int(batch))
		for i := int64(0); i < batch; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
		done += batch
	}
}
