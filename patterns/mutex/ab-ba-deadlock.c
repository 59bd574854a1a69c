/*
 * mutex / ab-ba-deadlock — MISUSE: two goroutines take the same two locks in
 * opposite orders, and this run they meet in the middle.
 *
 * The Go program this one follows:
 *
 *   func transfer(from, to *Account, amount int) {
 *       from.mu.Lock()                 // BUG: lock order depends on the call
 *       defer from.mu.Unlock()
 *       audit(from)                    // takes a moment
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
 *       go func() { defer wg.Done(); transfer(a, b, 10) }()   // locks A, then B
 *       go func() { defer wg.Done(); transfer(b, a, 20) }()   // locks B, then A
 *       wg.Wait()
 *   }
 *
 * What goes wrong: teller 1 holds A and waits for B; teller 2 holds B and
 * waits for A; main waits for both.  Every goroutine is blocked and no timer
 * is pending, so the runtime ends the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 *
 * It fails on every run: audit() "takes a moment" with the first lock held.
 * A sleep alone is not enough on a loaded machine (one teller may not even
 * have started when the other's sleep ends, and then it simply finishes
 * first), so audit() waits until both tellers hold their first lock — a
 * barrier (the `audits` WaitGroup) standing for "the audit took long enough".
 * Both then ask for their second lock, always.
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
} transfer_args;

static waitgroup_t wg;
static waitgroup_t audits; /* forced interleaving only: see audit() */

static void audit(account_t *acct) {
    trace_log("auditing account %d", acct->id);
    /* Forced interleaving: hold the first lock until the other teller has
     * taken its own first lock too (both tellers meet here), so that each
     * then waits for the lock the other holds. */
    wg_done(&audits);
    wg_wait(&audits);
}

static void transfer(account_t *from, account_t *to, int amount) {
    mutex_lock(&from->mu); /* BUG: the order of the two locks depends on the arguments */
    audit(from);
    mutex_lock(&to->mu);
    SHARED_WRITE(from->balance);
    from->balance -= amount;
    SHARED_WRITE(to->balance);
    to->balance += amount;
    mutex_unlock(&to->mu);
    mutex_unlock(&from->mu);
}

static void teller(void *arg) {
    transfer_args *t = arg;
    transfer(t->from, t->to, t->amount);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    account_t a = {MUTEX_INIT, 0, 100}, b = {MUTEX_INIT, 1, 100};
    mutex_set_name(&a.mu, "A.mu");
    mutex_set_name(&b.mu, "B.mu");
    transfer_args ab = {&a, &b, 10}, ba = {&b, &a, 20};

    wg_set_name(&audits, "audits");
    wg_add(&audits, 2);
    wg_add(&wg, 2);
    go_named("teller-AB", teller, &ab);
    go_named("teller-BA", teller, &ba);
    wg_wait(&wg); /* never returns: the runtime reports the deadlock */

    printf("A %d, B %d\n", a.balance, b.balance);
    return 0;
}
