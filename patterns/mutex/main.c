/*
 * mutex — sync.Mutex guarding shared state, and two locks taken in one
 * global order.
 *
 * The Go program this one follows:
 *
 *   type Account struct {
 *       mu      sync.Mutex
 *       id      int
 *       balance int
 *   }
 *
 *   // transfer locks both accounts, always the lower id first, so that two
 *   // opposite transfers can never wait for each other.
 *   func transfer(from, to *Account, amount int) {
 *       first, second := from, to
 *       if to.id < from.id {
 *           first, second = to, from
 *       }
 *       first.mu.Lock()
 *       defer first.mu.Unlock()
 *       second.mu.Lock()
 *       defer second.mu.Unlock()
 *       from.balance -= amount
 *       to.balance += amount
 *   }
 *
 *   type SafeCounter struct {
 *       mu sync.Mutex
 *       n  int
 *   }
 *
 *   func (c *SafeCounter) Inc() { c.mu.Lock(); defer c.mu.Unlock(); c.n++ }
 *
 *   func main() {
 *       accounts := []*Account{{id: 0, balance: 1000}, ...}
 *       var done SafeCounter
 *       var wg sync.WaitGroup
 *       for t := 0; t < tellers; t++ {
 *           wg.Add(1)
 *           go func(t int) {              // teller t
 *               defer wg.Done()
 *               for k := 0; k < transfers; k++ {
 *                   from, to := accounts[(t+k)%4], accounts[(t+2*k+1)%4]
 *                   if from != to {
 *                       transfer(from, to, 1+(t+k)%10)
 *                       done.Inc()
 *                   }
 *               }
 *           }(t)
 *       }
 *       wg.Wait()
 *       // print balances and their total: money is neither made nor lost
 *   }
 *
 * What it shows: every read and write of a balance happens with its
 * account's lock held, so the race analysis finds a happens-before path
 * (unlock -> lock) between any two accesses.  Tellers move money both ways
 * between the same accounts at the same time; locking in id order makes a
 * lock-order cycle impossible (compare lock-order.c and ab-ba-deadlock.c).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

#define NACCOUNTS 4

typedef struct {
    mutex_t mu;
    int id;
    int balance;
} account_t;

typedef struct {
    mutex_t mu;
    int n;
} safe_counter_t;

static account_t accounts[NACCOUNTS];
static safe_counter_t done_transfers;
static waitgroup_t wg;
static int transfers_per_teller;
static const char *account_lock_names[NACCOUNTS] = {"acct-0.mu", "acct-1.mu", "acct-2.mu",
                                                    "acct-3.mu"};

static void transfer(account_t *from, account_t *to, int amount) {
    account_t *first = from, *second = to;
    if (to->id < from->id) {
        first = to;
        second = from;
    }
    mutex_lock(&first->mu);
    mutex_lock(&second->mu);
    SHARED_READ(from->balance);
    SHARED_WRITE(from->balance);
    from->balance -= amount;
    SHARED_READ(to->balance);
    SHARED_WRITE(to->balance);
    to->balance += amount;
    mutex_unlock(&second->mu);
    mutex_unlock(&first->mu);
}

static void counter_inc(safe_counter_t *c) {
    mutex_lock(&c->mu);
    SHARED_READ(c->n);
    SHARED_WRITE(c->n);
    c->n++;
    mutex_unlock(&c->mu);
}

static void teller(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int k = 0; k < transfers_per_teller; k++) {
        account_t *from = &accounts[(t + k) % NACCOUNTS];
        account_t *to = &accounts[(t + 2 * k + 1) % NACCOUNTS];
        if (from == to) continue;
        transfer(from, to, 1 + (t + k) % 10);
        counter_inc(&done_transfers);
    }
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int tellers = param_int(argc, argv, "tellers", 6);
    transfers_per_teller = param_int(argc, argv, "transfers", 5);
    params_end(argc, argv);

    for (int i = 0; i < NACCOUNTS; i++) {
        accounts[i].id = i;
        accounts[i].balance = 1000;
        mutex_set_name(&accounts[i].mu, account_lock_names[i]);
    }
    for (int t = 0; t < tellers; t++) {
        wg_add(&wg, 1);
        go(teller, (void *)(intptr_t)t);
    }
    wg_wait(&wg);

    int total = 0;
    for (int i = 0; i < NACCOUNTS; i++) {
        mutex_lock(&accounts[i].mu);
        SHARED_READ(accounts[i].balance);
        printf("account %d: %d\n", i, accounts[i].balance);
        total += accounts[i].balance;
        mutex_unlock(&accounts[i].mu);
    }
    mutex_lock(&done_transfers.mu);
    SHARED_READ(done_transfers.n);
    printf("%d transfers by %d tellers; total %d (started with %d)\n", done_transfers.n, tellers,
           total, NACCOUNTS * 1000);
    mutex_unlock(&done_transfers.mu);
    return 0;
}
