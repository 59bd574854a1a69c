package main

// spsc: one producer streams n integers through a channel of capacity 1024
// to one consumer (main).  One op = one message.
func spsc(n int64) {
	ch := make(chan int64, 1024)
	go func() {
		for i := int64(1); i <= n; i++ {
			ch <- i
		}
		close(ch)
	}()
	var sum, count int64
	for v := range ch {
		sum += v
		count++
	}
	check(count == n && sum == n*(n+1)/2, "spsc: %d messages, sum %d", count, sum)
}
