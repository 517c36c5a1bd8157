/**
 * TensorFlow.js backend selection.
 *
 * `auto` tries, in order: the native TensorFlow binding (`@tensorflow/tfjs-node-gpu`, an optional
 * dependency: CUDA when a GPU is visible, else TensorFlow's CPU kernels), the WebAssembly backend
 * (`@tensorflow/tfjs-backend-wasm`, SIMD when the runtime has it), then tfjs's plain-JS `cpu` kernels.
 * A forced backend that cannot load raises `BackendUnavailableError` whose message is one line with
 * the install hint; CLIs print it and exit 2.
 *
 * Determinism: results are reproducible for a given backend (and machine), not across backends:
 * kernels differ in summation order, so `config.json` records which backend ran.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendName;
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The tfjs backend that runs the kernels. */
  readonly name: BackendName;
  readonly requested: BackendRequest;
  /** True when the native binding reports that it places ops on a GPU. */
  readonly gpu: boolean;
  /** wasm only: whether the SIMD build was loaded. */
  readonly simd: boolean;
  readonly tfjsVersion: string;
  /** Backends `auto` tried before this one, with the one-line reason each was skipped. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

const INSTALL_HINT: Record<BackendName, string> = {
  tensorflow: 'install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs CUDA/cuDNN for the GPU)',
  wasm: 'install it with `npm install @tensorflow/tfjs-backend-wasm@4.22.0`',
  cpu: 'it ships with @tensorflow/tfjs; reinstall with `npm install @tensorflow/tfjs@4.22.0`',
};

let current: BackendInfo | undefined;

/** The backend chosen by the last `selectBackend` call, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** A one-line description for logs and progress output, e.g. `wasm (SIMD)`. */
export function describeBackend(b: BackendInfo): string {
  if (b.name === 'tensorflow') return `tensorflow (${b.gpu ? 'GPU' : 'CPU'})`;
  if (b.name === 'wasm') return `wasm (${b.simd ? 'SIMD' : 'no SIMD'})`;
  return 'cpu (plain JS)';
}

/**
 * Loads and activates a backend. Calling it again with the same request is cheap and returns the
 * same answer; switching backends in one process is allowed (tests do it) but tensors made on the
 * old backend must not be used afterwards.
 */
export async function selectBackend(request: BackendRequest = 'auto'): Promise<BackendInfo> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new BackendUnavailableError(`unknown backend '${String(request)}' (choose one of ${BACKEND_REQUESTS.join(', ')})`);
  }
  if (current && current.requested === request && tf.getBackend() === current.name) return current;
  // tfjs prints a banner recommending tfjs-node on first use of the cpu backend in Node; PROD silences it.
  tf.env().set('PROD', true);
  const order: BackendName[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of order) {
    const reason = await tryActivate(name);
    if (reason === null) {
      current = {
        name,
        requested: request,
        gpu: name === 'tensorflow' && nativeUsesGpu(),
        simd: name === 'wasm' && tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
        tfjsVersion: tf.version_core,
        skipped,
      };
      return current;
    }
    if (request !== 'auto') throw new BackendUnavailableError(`backend '${name}' is not available (${reason}); ${INSTALL_HINT[name]}`);
    skipped.push({ name, reason });
  }
  throw new BackendUnavailableError(`no tfjs backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** Activates `name`; returns null on success or a one-line reason. */
async function tryActivate(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow') {
      // A variable specifier keeps TypeScript from requiring the optional package at compile time.
      const pkg = '@tensorflow/tfjs-node-gpu';
      await import(pkg);
      if (!tf.findBackend('tensorflow')) return `${pkg} loaded but registered no 'tensorflow' backend`;
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (!wasmPathsSet) {
        // In Node the backend must be told where its .wasm binaries are: next to its dist entry.
        const require = createRequire(import.meta.url);
        const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        wasm.setWasmPaths(dir + path.sep);
        wasmPathsSet = true;
      }
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed to initialise`;
    await tf.ready();
    return null;
  } catch (err) {
    return oneLine(err);
  }
}

let wasmPathsSet = false;

function nativeUsesGpu(): boolean {
  const backend = tf.backend() as unknown as { binding?: { isUsingGpuDevice?: () => boolean } };
  try {
    return backend.binding?.isUsingGpuDevice?.() ?? false;
  } catch {
    return false;
  }
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
