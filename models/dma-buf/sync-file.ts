/**
 * sync_file — drivers/dma-buf/sync_file.c, include/uapi/linux/sync_file.h.
 *
 * Contract (kernel-sync-semantics.md §1.8):
 * - R64 a sync_file is an fd holding one reference to one dma_fence (possibly a container); that
 *       fence never changes for the fd's lifetime. sync_file_get_fence(fd) is NULL for other fds.
 * - R65 poll returns EPOLLIN iff the fence is signaled; the first poll installs one callback.
 * - R66 SYNC_IOC_MERGE: flags or pad -> -EINVAL; fd2 not a sync_file -> -ENOENT; the result is a new
 *       sync_file holding dma_fence_unwrap_merge(a, b); a and b are unchanged.
 * - R67 SYNC_IOC_FILE_INFO: flags or pad -> -EINVAL; num_fences == 0 returns the count and
 *       status = dma_fence_get_status(fence); a num_fences below the count -> -EINVAL; otherwise
 *       per-leaf info.
 * - R68 an unknown ioctl -> -ENOTTY.
 * - R69 a sync_file signals in finite time and then stays signaled; so one cannot be created for a
 *       point that is not materialized yet.
 * The ioctls are in models/dma-buf/sync-file-api.ts (they read the fence); this machine is the file object.
 *
 * Models: the file and its immutable fence pointer. Abstracted away: the fd table and dup() (fds live
 * in models/uapi/device.ts; every fd of one file names the same object), names, the wait queue.
 *
 * Events:
 *   SYNC_FILE_POLL_ENABLE            poll -> file: R65 set POLL_ENABLED (the rule adds the callback)
 *   SYNC_FILE_FENCE_CB {fenceError}  fence -> file: fence_check_cb_func, wakes pollers
 *   SYNC_FILE_RELEASE                last fd closed: the fence reference is dropped
 */
import { setup, assign } from 'xstate';
import { withView } from '../view.ts';

export interface SyncFileContext {
  /** always: R64 the fence; set at creation, never changed. */
  fence: string;
  /** open: R65 POLL_ENABLED, set by the first poll. */
  pollEnabled: boolean;
  /** open: the poll callback ran (the fence signaled after the first poll). */
  woken: boolean;
}

type E =
  | { type: 'SYNC_FILE_POLL_ENABLE' }
  | { type: 'SYNC_FILE_FENCE_CB'; fenceError?: number }
  | { type: 'SYNC_FILE_RELEASE' };

function build() {
  const m = setup({
    types: { context: {} as SyncFileContext, events: {} as E, input: {} as { fence: string } },
    guards: {
      'poll not enabled': ({ context }) => !context.pollEnabled,
      'poll enabled, not woken': ({ context }) => context.pollEnabled && !context.woken,
    },
  }).createMachine({
    id: 'sync_file',
    context: ({ input }) => ({ fence: input.fence, pollEnabled: false, woken: false }),
    initial: 'open',
    states: {
      open: {
        on: {
          SYNC_FILE_POLL_ENABLE: {
            guard: 'poll not enabled',
            description: 'R65: the first poll installs one callback',
            actions: assign({ pollEnabled: true }),
          },
          SYNC_FILE_FENCE_CB: {
            guard: 'poll enabled, not woken',
            description: 'R65: fence_check_cb_func wakes the pollers',
            actions: assign({ woken: true }),
          },
          SYNC_FILE_RELEASE: {
            target: 'released',
            description: 'R64: the last fd closed; the fence reference is dropped',
          },
        },
      },
      released: { tags: ['released'] },
    },
  });
  return withView(m, {});
}

let machine: ReturnType<typeof build> | undefined;

/**
 * The sync_file machine, one object for every file (memoized). Built on first use rather than at
 * import so that what its config says runs inside a test: StrykerJS then sees which tests reach it
 * and switches its mutants on (issue 14.7).
 */
export function syncFileMachine(): ReturnType<typeof build> {
  machine ??= build();
  return machine;
}
