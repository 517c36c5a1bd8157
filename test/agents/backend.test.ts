import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, currentBackend, describeBackend, selectBackend, type BackendRequest } from '../../agents/backend.js';

async function nativeInstalled(): Promise<boolean> {
  try {
    const pkg = '@tensorflow/tfjs-node-gpu';
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('auto falls back from the native binding to wasm (SIMD) and says why', async () => {
    const b = await selectBackend('auto');
    assert.equal(tf.getBackend(), b.name);
    if (await nativeInstalled()) {
      assert.equal(b.name, 'tensorflow');
    } else {
      assert.equal(b.name, 'wasm');
      assert.equal(b.skipped[0]?.name, 'tensorflow');
      assert.match(b.skipped[0]!.reason, /tfjs-node-gpu/);
      assert.equal(b.simd, true);
      assert.equal(describeBackend(b), 'wasm (SIMD)');
    }
    assert.equal(currentBackend(), b);
  });

  it('a forced backend that is not installed fails with a one-line install hint', async (t) => {
    if (await nativeInstalled()) return t.skip('tfjs-node-gpu is installed here');
    await assert.rejects(selectBackend('tensorflow'), (err: Error) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.ok(!err.message.includes('\n'));
      assert.match(err.message, /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
      return true;
    });
  });

  it('forces cpu and wasm, and rejects unknown names', async () => {
    const cpu = await selectBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]), 5);
    const wasm = await selectBackend('wasm');
    assert.equal(wasm.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    await assert.rejects(selectBackend('gpu' as BackendRequest), /unknown backend 'gpu'/);
  });
});
