/*
 * Exercise 06 — AB-BA: two locks taken in opposite orders (medium).
 *
 * transfer() moves money between two accounts, each with its own mutex, and
 * locks both so nobody sees the money in flight.  Alice pays Bob while Bob
 * pays Alice.  Each teller takes its first lock... and waits for the other
 * one forever.  Keep one mutex per account (no global lock), keep both held
 * during the move, and make the two transfers unable to deadlock.
 *
 * Check your fix:  chanscope exercise check 06 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

typedef struct account {
    int id;
    const char *owner;
    long balance;
    mutex_t mu;
} account;

static account alice = {1, "alice", 100, MUTEX_INIT};
static account bob = {2, "bob", 100, MUTEX_INIT};
static waitgroup_t wg = WAITGROUP_INIT;

static void transfer(account *from, account *to, long amount) {
    mutex_lock(&from->mu);
    time_sleep(20 * MILLISECOND); /* audit log: slow, and it widens the window */
    mutex_lock(&to->mu);
    from->balance -= amount;
    to->balance += amount;
    mutex_unlock(&to->mu);
    mutex_unlock(&from->mu);
}

static void alice_pays_bob(void *arg) {
    (void)arg;
    transfer(&alice, &bob, 30);
    wg_done(&wg);
}

static void bob_pays_alice(void *arg) {
    (void)arg;
    transfer(&bob, &alice, 10);
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&alice.mu, "alice.mu");
    mutex_set_name(&bob.mu, "bob.mu");
    wg_add(&wg, 2);
    go(alice_pays_bob, NULL);
    go(bob_pays_alice, NULL);
    wg_wait(&wg);
    printf("alice: %ld, bob: %ld, total: %ld\n", alice.balance, bob.balance,
           alice.balance + bob.balance);
    return 0;
}
