/*
 * Exercise 06 — AB-BA: reference solution.
 *
 * Every transfer takes the two locks in one global order — lower account id
 * first — whichever way the money goes.  A cycle "A waits for B while B
 * waits for A" needs two goroutines taking the locks in opposite orders;
 * with one order for everybody it cannot form.
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
    account *first = from->id < to->id ? from : to;   /* lock order: by id */
    account *second = from->id < to->id ? to : from;
    mutex_lock(&first->mu);
    time_sleep(20 * MILLISECOND); /* audit log: slow, and now harmless */
    mutex_lock(&second->mu);
    from->balance -= amount;
    to->balance += amount;
    mutex_unlock(&second->mu);
    mutex_unlock(&first->mu);
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
