/*
 * annotate.h: what valgrind's thread checkers (helgrind, DRD) cannot see
 * for themselves.  They follow pthreads calls, not C11 atomics: to them
 * an atomic load or store is a plain one, and a release/acquire pair on
 * gil->state orders nothing.  So, with ./configure
 * --enable-valgrind-annotations (make helgrind, make drd):
 *
 *  - BFSGIL_HAPPENS_BEFORE(addr) just before a release store or CAS on
 *    the word at @addr, and BFSGIL_HAPPENS_AFTER(addr) just after an
 *    acquire that succeeded, give the tool the edge the memory order
 *    gives the CPU.  BEFORE goes first because the moment the store is
 *    seen another thread may act on it.  Before a CAS that then fails
 *    it adds an edge that did not happen, which could hide a race but
 *    never invent one; every such caller holds the mutex or goes on to
 *    take it, which hands on the same writes.  The futex park's post
 *    and wait get the same pair (park_futex.c); the condvar park needs
 *    none, its mutex is plain to see.
 *  - BFSGIL_RACY_BY_DESIGN(addr, size) stops the tool checking a range
 *    that threads read and write without the mutex on purpose, always
 *    through atomics: each place that uses it says why that is safe.
 *    A range freed and allocated again is checked again.
 *
 * These are helgrind's client requests, which DRD honours as well.
 * Without the switch every macro is empty: normal builds compile to the
 * same code as if this file did not exist.
 */
#ifndef BFSGIL_ANNOTATE_H
#define BFSGIL_ANNOTATE_H

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#ifdef BFSGIL_VALGRIND_ANNOTATIONS
# include <valgrind/helgrind.h>
# define BFSGIL_HAPPENS_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
# define BFSGIL_HAPPENS_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
# define BFSGIL_RACY_BY_DESIGN(addr, size) \
	VALGRIND_HG_DISABLE_CHECKING((addr), (size))
#else
# define BFSGIL_HAPPENS_BEFORE(addr) ((void)0)
# define BFSGIL_HAPPENS_AFTER(addr) ((void)0)
# define BFSGIL_RACY_BY_DESIGN(addr, size) ((void)0)
#endif

#endif /* BFSGIL_ANNOTATE_H */
