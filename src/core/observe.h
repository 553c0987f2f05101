/*
 * observe.h: the three moments at which the watching layer (src/watch/:
 * the trace recorder, BFSGIL_TRACE and BFSGIL_STATS) hooks into a lock's
 * life, and the only names of it the core knows.
 *
 * The core calls these; it never names anything of src/watch/ itself.
 * Which definitions it gets is a link-time choice:
 *  - src/watch/observe.c, in libbfsgil: the environment's watchers;
 *  - src/core/observe_none.c, in libbfsgil-corealone: nothing, for a
 *    host that vendors the scheduler alone (doc/design.md, "Layout").
 * Everything else the watching layer does, it does through the public
 * hooks (bfsgil/hook.h), as any host could.
 */
#ifndef BFSGIL_OBSERVE_H
#define BFSGIL_OBSERVE_H

struct bfsgil;

/* At bfsgil_create, once the lock works, unless it was made with
 * BFSGIL_CREATE_IGNORE_ENV: start what the environment asks for.  0, or
 * an errno value (said on stderr), the lock then not to be created. */
int observe_create(struct bfsgil *gil);

/* At bfsgil_destroy, nobody attached: write out and stop what watches
 * @gil, and detach any recorder still on it. */
void observe_destroy(struct bfsgil *gil);

/* At bfsgil_after_fork_child: the child has made the lock its own. */
void observe_after_fork_child(struct bfsgil *gil);

#endif /* BFSGIL_OBSERVE_H */
