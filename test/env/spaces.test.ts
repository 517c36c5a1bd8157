import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Box, Dict, Discrete, MultiDiscrete, flatdim, flatten, type Space, type SpaceValue } from '../../env/index.js';

describe('Discrete', () => {
  it('contains integers in [start, start + n)', () => {
    const s = new Discrete(3, -1);
    assert.ok(s.contains(-1) && s.contains(1));
    assert.ok(!s.contains(2) && !s.contains(-2) && !s.contains(0.5) && !s.contains('0') && !s.contains(NaN));
  });
  it('samples only allowed values under a mask, and start under an all-zero mask', () => {
    const s = new Discrete(5, 10, 1);
    for (let i = 0; i < 200; i++) assert.ok([11, 13].includes(s.sample([0, 1, 0, 1, 0])));
    assert.equal(s.sample([0, 0, 0, 0, 0]), 10);
    assert.throws(() => s.sample([1, 1]), /mask length 2 != n 5/);
  });
  it('samples every value without a mask', () => {
    const s = new Discrete(4, 0, 2);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(s.sample());
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  });
  it('flattens one-hot relative to start', () => {
    assert.deepEqual(Array.from(flatten(new Discrete(4, 2), 3)), [0, 1, 0, 0]);
  });
  it('rejects bad parameters', () => {
    assert.throws(() => new Discrete(0), RangeError);
    assert.throws(() => new Discrete(2.5), RangeError);
  });
});

describe('MultiDiscrete', () => {
  it('contains Int32Arrays within nvec', () => {
    const s = new MultiDiscrete([2, 3]);
    assert.ok(s.contains(Int32Array.of(1, 2)));
    assert.ok(!s.contains(Int32Array.of(2, 0)) && !s.contains(Int32Array.of(1)) && !s.contains([1, 2]));
  });
  it('flattens to concatenated one-hots', () => {
    assert.deepEqual(Array.from(flatten(new MultiDiscrete([2, 3]), Int32Array.of(1, 0))), [0, 1, 1, 0, 0]);
    assert.equal(flatdim(new MultiDiscrete([2, 3])), 5);
  });
  it('rejects empty or non-positive nvec', () => {
    assert.throws(() => new MultiDiscrete([]), RangeError);
    assert.throws(() => new MultiDiscrete([2, 0]), RangeError);
  });
});

describe('Box', () => {
  it('checks type, length, NaN and bounds in contains', () => {
    const s = new Box([-1, 0], [1, 2]);
    assert.ok(s.contains(Float32Array.of(-1, 2)));
    assert.ok(!s.contains(Float32Array.of(-1.5, 0)));
    assert.ok(!s.contains(Float32Array.of(0, NaN)));
    assert.ok(!s.contains(Float32Array.of(0)));
    assert.ok(!s.contains(Float64Array.of(0, 0)));
    assert.ok(!s.contains([0, 0]));
  });
  it('broadcasts scalar bounds over a shape and stores them as float32', () => {
    const s = new Box(-0.1, 0.1, [2, 3]);
    assert.equal(s.size, 6);
    assert.equal(s.low[5], Math.fround(-0.1));
    assert.equal(s.dtype, 'float32');
    assert.throws(() => new Box(0, 1), /shape is required/);
    assert.throws(() => new Box([0, 2], [1, 1]), /low\[1\] > high\[1\]/);
    assert.throws(() => new Box([0, 0], [1, 1, 1]), /high has 3 values/);
  });
  it('samples inside bounded, half-bounded and unbounded dimensions', () => {
    const s = new Box([-1, 0, -Infinity, -Infinity], [1, Infinity, 5, Infinity], undefined, 3);
    let negatives = 0;
    for (let i = 0; i < 500; i++) {
      const x = s.sample();
      assert.ok(s.contains(x));
      assert.ok(Number.isFinite(x[1]) && Number.isFinite(x[2]) && Number.isFinite(x[3]));
      if (x[3]! < 0) negatives++;
    }
    assert.ok(negatives > 150 && negatives < 350, `unbounded dim should be symmetric, got ${negatives}/500 negative`);
  });
  it('describes itself in JSON, compactly when bounds are uniform', () => {
    assert.deepEqual(new Box(-1, 1, [2]).toJSON(), { type: 'Box', shape: [2], dtype: 'float32', low: -1, high: 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(new Box([0, 1], [2, 3]).toJSON())), {
      type: 'Box',
      shape: [2],
      dtype: 'float32',
      low: [0, 1],
      high: [2, 3],
    });
  });
  it('writes unbounded dimensions as inf strings, since JSON has no Infinity', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(new Box([-Infinity, 0], [Infinity, Infinity]).toJSON())), {
      type: 'Box',
      shape: [2],
      dtype: 'float32',
      low: ['-inf', 0],
      high: 'inf',
    });
  });
});

describe('Dict', () => {
  const d = () => new Dict({ pos: new Box(-1, 1, [2]), action: new Discrete(3), flags: new MultiDiscrete([2, 2]) });
  it('keeps keys sorted and flattens in that order', () => {
    const s = d();
    assert.deepEqual(s.keys, ['action', 'flags', 'pos']);
    const x = { pos: Float32Array.of(0.5, -0.5), action: 2, flags: Int32Array.of(1, 0) };
    assert.ok(s.contains(x));
    assert.deepEqual(Array.from(flatten(s, x)), [0, 0, 1, 0, 1, 1, 0, 0.5, -0.5]);
    assert.equal(s.flatdim, 9);
  });
  it('rejects missing, extra or bad entries', () => {
    const s = d();
    const ok = { pos: Float32Array.of(0, 0), action: 0, flags: Int32Array.of(0, 0) };
    assert.ok(!s.contains({ pos: ok.pos, action: 0 }));
    assert.ok(!s.contains({ ...ok, extra: 1 }));
    assert.ok(!s.contains({ ...ok, action: 3 }));
    assert.ok(!s.contains(Float32Array.of(0)));
  });
  it('describes nested spaces in JSON', () => {
    const json = d().toJSON() as { type: string; spaces: Record<string, { type: string }> };
    assert.equal(json.type, 'Dict');
    assert.deepEqual(Object.keys(json.spaces), ['action', 'flags', 'pos']);
    assert.equal(json.spaces['flags']!.type, 'MultiDiscrete');
  });
});

// ------------------------------------------------------------------------------- property tests

const discreteArb = fc.record({ n: fc.integer({ min: 1, max: 20 }), start: fc.integer({ min: -5, max: 5 }) }).map(
  ({ n, start }) => new Discrete(n, start) as Space,
);
const multiArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }).map((v) => new MultiDiscrete(v) as Space);
const boundArb = fc.oneof(
  fc.tuple(fc.float({ min: -100, max: 0, noNaN: true }), fc.float({ min: 0, max: 100, noNaN: true })),
  fc.tuple(fc.constant(-Infinity), fc.float({ min: -100, max: 100, noNaN: true })),
  fc.tuple(fc.float({ min: -100, max: 100, noNaN: true }), fc.constant(Infinity)),
  fc.constant([-Infinity, Infinity] as [number, number]),
);
const boxArb = fc.array(boundArb, { minLength: 1, maxLength: 6 }).map(
  (bs) => new Box(bs.map((b) => b[0]), bs.map((b) => b[1])) as Space,
);
const leafArb = fc.oneof(discreteArb, multiArb, boxArb);
const dictArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), leafArb, { minKeys: 1, maxKeys: 4 }).map((r) => new Dict(r) as Space);
const spaceArb = fc.oneof(leafArb, dictArb);

const copy = (x: SpaceValue): unknown =>
  ArrayBuffer.isView(x) ? Array.from(x as ArrayLike<number>) : typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)])) : x;

interface Json {
  type: string;
  n?: number;
  nvec?: number[];
  shape?: number[];
  spaces?: Record<string, Json>;
}
function flatdimFromJson(j: Json): number {
  switch (j.type) {
    case 'Discrete':
      return j.n!;
    case 'MultiDiscrete':
      return j.nvec!.reduce((a, b) => a + b, 0);
    case 'Box':
      return j.shape!.reduce((a, b) => a * b, 1);
    case 'Dict':
      return Object.values(j.spaces!).reduce((a, s) => a + flatdimFromJson(s), 0);
    default:
      throw new Error(`unknown space type ${j.type}`);
  }
}

describe('every space (property tests)', () => {
  it('samples the same values after the same seed', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer(), (space, seed) => {
        space.seed(seed);
        const a = Array.from({ length: 5 }, () => copy(space.sample()));
        space.seed(seed);
        const b = Array.from({ length: 5 }, () => copy(space.sample()));
        assert.deepEqual(a, b);
      }),
    );
  });
  it('samples values it contains, which flatten to flatdim finite numbers', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer(), (space, seed) => {
        space.seed(seed);
        for (let i = 0; i < 5; i++) {
          const x = space.sample();
          assert.ok(space.contains(x), `sample not contained in ${JSON.stringify(space.toJSON())}`);
          const f = flatten(space, x);
          assert.equal(f.length, space.flatdim);
          assert.ok(f.every(Number.isFinite));
        }
      }),
    );
  });
  it('describes itself in JSON fully enough to recompute flatdim', () => {
    fc.assert(
      fc.property(spaceArb, (space) => {
        const json = JSON.parse(JSON.stringify(space.toJSON())) as Json;
        assert.equal(flatdimFromJson(json), space.flatdim);
      }),
    );
  });
});
