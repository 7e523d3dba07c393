/** Test fixture: installs the lifeline (fast poll), prints its pid, then idles until it is told to stop. */
import { installLifeline } from '../lifeline.js';

installLifeline({ intervalMs: 100 });
process.stdout.write(`${process.pid}\n`);
setInterval(() => {}, 1000);
// with OWN_SIGINT set, the "command" handles SIGINT itself (as stats does) and the lifeline leaves it alone
if (process.env.OWN_SIGINT) {
  process.on('SIGINT', () => {
    process.stdout.write('checkpointed\n');
    process.exit(0);
  });
}
// with OWN_SIGHUP set, the "command" stops cleanly on a hang-up (as train does) and is sent one when its starter goes
if (process.env.OWN_SIGHUP) {
  process.on('SIGHUP', () => {
    process.stdout.write('hangup handled\n');
    process.exit(0);
  });
}
