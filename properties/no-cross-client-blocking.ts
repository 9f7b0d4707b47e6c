/**
 * no-cross-client-blocking — seed 003 "Should we have only one kthread per FD or one per drm
 * scheduler?": io_uring's SQ thread consumes entries in order ("Kernel thread runs submission jobs in
 * order"), and a drm_sched entity runs its jobs in push order (R97), each once its dependencies
 * signalled (R93). Where several clients share that order, one client's job waiting on a fence (a
 * dependency still running, or hung until the TDR fires) holds back another client's job that waits
 * on nothing: head-of-line blocking across clients. A GPU ring is shared hardware in every design, so
 * a hung head job stalls its ring until the TDR (R98) whoever submitted: that is not this property.
 */
import { defineProperty } from './property.ts';
import { crossClientBlocking, crossClientWaitQueued } from '../models/io-uring/io-uring-clients.ts';

export default defineProperty({
  name: 'no-cross-client-blocking',
  kind: 'state',
  rules: ['R93', 'R97'],
  needs: ['io_uring'],
  witness: {
    what: "a client's job waits on an unsignalled fence while another client's job with none is queued",
    state: (w) => crossClientWaitQueued(w),
  },
  statement:
    "No io_uring client's job whose dependencies have all signalled is queued behind another client's job that " +
    'still waits on a fence.',
  state: (w) => {
    const b = crossClientBlocking(w);
    return b.length ? `head-of-line blocking across clients: ${b.join('; ')}` : null;
  },
});
