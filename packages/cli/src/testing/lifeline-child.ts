/** Test fixture: installs the lifeline (fast poll), prints its pid, then idles until it is told to stop. */
import { installLifeline } from '../lifeline.js';

installLifeline({ intervalMs: 100 });
process.stdout.write(`${process.pid}\n`);
setInterval(() => {}, 1000);
