package main

import "sync"

// pingpong: two goroutines bounce a counter over two unbuffered channels.
// One op = one round trip.
func pingpong(n int64) {
	ping, pong := make(chan int64), make(chan int64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		for i := int64(0); i < n; i++ {
			v := <-ping
			pong <- v + 1
		}
		wg.Done()
	}()
	v := int64(0)
	for i := int64(0); i < n; i++ {
		ping <- v
		v = <-pong
	}
	wg.Wait()
	check(v == n, "pingpong: counter %d, want %d", v, n)
}
