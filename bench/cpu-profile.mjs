// Loaded with NODE_OPTIONS=--import (which --cpu-prof is not allowed in):
// a V8 CPU profile of this process, written to $BENCH_CPU_PROF when it exits.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  // A session on the main thread answers synchronously, so this runs before exit.
  session.post('Profiler.stop', (err, result) => {
    if (err) return;
    const file = path.join(process.env.BENCH_CPU_PROF, `service-${process.pid}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(result.profile));
  });
});
