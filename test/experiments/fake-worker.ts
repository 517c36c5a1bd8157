// Worker entry for sweep tests: the real worker protocol around the trainer double.
import { serveWorker } from '../../experiments/worker-host.js';
import { fakeTrainer, FAKE_BEHAVIOURS } from './fake-trainer.js';

serveWorker(fakeTrainer({ msPerChunk: Number(process.env.FAKE_MS_PER_CHUNK ?? 2) }), FAKE_BEHAVIOURS, FAKE_BEHAVIOURS);
