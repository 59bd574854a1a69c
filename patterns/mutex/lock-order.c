/*
 * mutex / lock-order — MISUSE that did not bite this time: two code paths
 * take the same two locks in opposite orders, but this run they do not
 * overlap.
 *
 * The Go program this one follows:
 *
 *   func transfer(from, to *Account, amount int) {
 *       from.mu.Lock()                 // BUG: lock order depends on the call
 *       defer from.mu.Unlock()
 *       to.mu.Lock()
 *       defer to.mu.Unlock()
 *       from.balance -= amount
 *       to.balance += amount
 *   }
 *
 *   func main() {
 *       a, b := &Account{id: 0, balance: 100}, &Account{id: 1, balance: 100}
 *       var wg sync.WaitGroup
 *       wg.Add(2)
 *       go func() { defer wg.Done(); transfer(a, b, 10) }()   // A then B
 *       go func() {
 *           defer wg.Done()
 *           time.Sleep(20 * time.Millisecond)                 // happens to run later
 *           transfer(b, a, 20)                                // B then A
 *       }()
 *       wg.Wait()
 *       fmt.Println(a.balance, b.balance)
 *   }
 *
 * What goes wrong: nothing, this time.  The program prints the right
 * balances and exits 0.  But one goroutine took A then B and another took B
 * then A: the lock-order graph has a cycle, and on a day when the two
 * transfers overlap it is ab-ba-deadlock.c.  The analyzer reports the cycle
 * (lock_order) from this clean-looking run, with both acquisition sites.
 *
 * It shows on every run: the sleep keeps the second transfer away from the
 * first (so this run never deadlocks), and the cycle is in the order of the
 * lock operations, not in their timing.
 * The fix is main.c's rule: always lock the lower id first.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    mutex_t mu;
    int id;
    int balance;
} account_t;

typedef struct {
    account_t *from, *to;
    int amount;
    duration_t delay;
} transfer_args;

static waitgroup_t wg;

static void transfer(account_t *from, account_t *to, int amount) {
    mutex_lock(&from->mu); /* BUG: the order of the two locks depends on the arguments */
    mutex_lock(&to->mu);
    SHARED_READ(from->balance);
    SHARED_WRITE(from->balance);
    from->balance -= amount;
    SHARED_READ(to->balance);
    SHARED_WRITE(to->balance);
    to->balance += amount;
    mutex_unlock(&to->mu);
    mutex_unlock(&from->mu);
}

static void teller(void *arg) {
    transfer_args *t = arg;
    /* Forced timing: the second teller starts well after the first is done,
     * so this run cannot deadlock; the lock-order cycle is there anyway. */
    if (t->delay) time_sleep(t->delay);
    transfer(t->from, t->to, t->amount);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    account_t a = {MUTEX_INIT, 0, 100}, b = {MUTEX_INIT, 1, 100};
    mutex_set_name(&a.mu, "A.mu");
    mutex_set_name(&b.mu, "B.mu");
    transfer_args ab = {&a, &b, 10, 0}, ba = {&b, &a, 20, 20 * MILLISECOND};

    wg_add(&wg, 2);
    go_named("teller-AB", teller, &ab);
    go_named("teller-BA", teller, &ba);
    wg_wait(&wg);

    mutex_lock(&a.mu);
    SHARED_READ(a.balance);
    int abal = a.balance;
    mutex_unlock(&a.mu);
    mutex_lock(&b.mu);
    SHARED_READ(b.balance);
    int bbal = b.balance;
    mutex_unlock(&b.mu);
    printf("A %d, B %d (no deadlock this run)\n", abal, bbal);
    return 0;
}
