import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_CACHE_ENV, buildInBackground, type CachedBuildOptions, cachedBuild } from '../lib/bundle-cache';

let work: string;
let cacheDir: string;
let options: CachedBuildOptions;

function writeSources(greeting: string): void {
  writeFileSync(join(work, 'src', 'greeting.ts'), `export const greeting: string = ${JSON.stringify(greeting)};\n`);
}

function built(dir: string): string {
  return readFileSync(join(dir, 'main.js'), 'utf8');
}

function buildDirs(): string[] {
  return readdirSync(cacheDir).filter((entry) => /^fixture-[0-9a-f]{24}$/.test(entry));
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
  cacheDir = join(work, 'cache');
  mkdirSync(join(work, 'src'));
  writeFileSync(
    join(work, 'src', 'main.ts'),
    "import { greeting } from './greeting';\nexport const message = greeting + ', world';\n",
  );
  writeSources('hello');
  options = {
    entryPoints: { main: join(work, 'src', 'main.ts') },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
  };
});

/** Temporary directories of builds made with the cache off, which go at exit: jest's process emits no exit. */
const freshRoots: string[] = [];

/** Returns `dir`, a build made with the cache off, and has its temporary directory removed after the test. */
function removedAfter(dir: string): string {
  freshRoots.push(join(dir, '..'));
  return dir;
}

afterEach(() => {
  delete process.env[BUNDLE_CACHE_ENV];
  rmSync(work, { recursive: true, force: true });
  for (const root of freshRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

test('builds once and reuses the build while no input changed', () => {
  const first = cachedBuild('fixture', options, cacheDir);
  // A marker the build itself never writes: it survives only if the second call reuses the directory.
  writeFileSync(join(first, 'marker'), '');

  const second = cachedBuild('fixture', options, cacheDir);

  expect(second).toBe(first);
  expect(existsSync(join(second, 'marker'))).toBe(true);
  expect(built(second)).toContain('hello');
});

test('a changed imported file is built again, into its own directory', () => {
  const first = cachedBuild('fixture', options, cacheDir);
  writeSources('good morning');

  const second = cachedBuild('fixture', options, cacheDir);

  expect(second).not.toBe(first);
  expect(built(second)).toContain('good morning');
  expect(built(second)).not.toContain('hello');
});

test('a file rewritten with the same content (a new modification time, as after npm ci) is still a hit', () => {
  const first = cachedBuild('fixture', options, cacheDir);
  writeFileSync(join(first, 'marker'), '');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(work, 'src', 'greeting.ts'), later, later);

  expect(cachedBuild('fixture', options, cacheDir)).toBe(first);
  expect(existsSync(join(first, 'marker'))).toBe(true);
});

test('the same size and a new content with a new modification time is built again', () => {
  cachedBuild('fixture', options, cacheDir);
  writeSources('jello'); // as long as "hello"

  expect(built(cachedBuild('fixture', options, cacheDir))).toContain('jello');
});

test('an input saved just as the build is recorded, between its stat and its read, is not recorded', () => {
  const greeting = join(work, 'src', 'greeting.ts');
  const longAgo = new Date(Date.now() - 60_000);
  utimesSync(greeting, longAgo, longAgo); // saved long before the build, which reads "hello"
  const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
  const read = fs.readFileSync;
  let saved = false;
  // The cache reads no input before the build is done (esbuild reads them itself): this is the recording.
  const spy = jest.spyOn(fs, 'readFileSync').mockImplementation(((path: string, ...rest: []) => {
    if (path === greeting && !saved) {
      saved = true;
      // Well after the build started: a file's modification time can lag the clock by a few milliseconds.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      writeSources('jello'); // as long as "hello"
    }
    return read(path, ...rest);
  }) as typeof read);

  const during = cachedBuild('fixture', options, cacheDir);
  spy.mockRestore();

  expect(saved).toBe(true);
  expect(built(during)).toContain('hello');
  expect(built(cachedBuild('fixture', options, cacheDir))).toContain('jello');
});

test('other options are another build', () => {
  const plain = cachedBuild('fixture', options, cacheDir);
  const minified = cachedBuild('fixture', { ...options, minify: true }, cacheDir);

  expect(minified).not.toBe(plain);
  expect(built(minified).length).toBeLessThan(built(plain).length);
});

test('a deleted build directory or an unreadable manifest is built again', () => {
  const first = cachedBuild('fixture', options, cacheDir);
  rmSync(first, { recursive: true });
  expect(built(cachedBuild('fixture', options, cacheDir))).toContain('hello');

  writeFileSync(join(cacheDir, 'fixture.json'), '{ not json');
  expect(built(cachedBuild('fixture', options, cacheDir))).toContain('hello');
});

test(`${BUNDLE_CACHE_ENV}=off builds afresh once per process and leaves the cache as it was`, () => {
  const cached = cachedBuild('fixture', options, cacheDir);
  const manifest = readFileSync(join(cacheDir, 'fixture.json'), 'utf8');
  process.env[BUNDLE_CACHE_ENV] = 'off';

  const fresh = removedAfter(cachedBuild('fixture', options, cacheDir));
  const again = cachedBuild('fixture', options, cacheDir);
  const minified = removedAfter(cachedBuild('fixture', { ...options, minify: true }, cacheDir));

  expect(fresh).not.toBe(cached);
  expect(again).toBe(fresh);
  expect(new Set([cached, fresh, minified]).size).toBe(3);
  expect(built(fresh)).toContain('hello');
  expect(readFileSync(join(cacheDir, 'fixture.json'), 'utf8')).toBe(manifest);
  expect(buildDirs()).toEqual([cached.split('/').at(-1)]);
});

test.each(['false', 'OFF', '0', 'no'])(`${BUNDLE_CACHE_ENV}=%s is refused, naming what is allowed`, (value) => {
  process.env[BUNDLE_CACHE_ENV] = value;

  expect(() => cachedBuild('fixture', options, cacheDir)).toThrow(
    `${BUNDLE_CACHE_ENV}: got ${JSON.stringify(value)}; allowed: "on" (the default) or "off"`,
  );
});

test(`${BUNDLE_CACHE_ENV}=on is the cache`, () => {
  const first = cachedBuild('fixture', options, cacheDir);
  process.env[BUNDLE_CACHE_ENV] = 'on';

  expect(cachedBuild('fixture', options, cacheDir)).toBe(first);
});

test("a failing build throws esbuild's message and leaves nothing behind", () => {
  writeFileSync(join(work, 'src', 'main.ts'), "import { nothing } from './missing';\nexport const x = nothing;\n");

  expect(() => cachedBuild('fixture', options, cacheDir)).toThrow(/Could not resolve "\.\/missing"/);
  expect(readdirSync(cacheDir)).toEqual([]);
});

test('builds of the same name older than ten minutes are removed when a new one lands; others stay', () => {
  const old = cachedBuild('fixture', options, cacheDir);
  const other = cachedBuild('fixture-other', options, cacheDir);
  const longAgo = new Date(Date.now() - 11 * 60 * 1000);
  utimesSync(old, longAgo, longAgo);
  utimesSync(other, longAgo, longAgo);
  writeSources('changed');

  const current = cachedBuild('fixture', options, cacheDir);

  expect(existsSync(old)).toBe(false);
  expect(existsSync(current)).toBe(true);
  expect(existsSync(other)).toBe(true);
  expect(statSync(current).isDirectory()).toBe(true);
});

test('a recent older build is kept: another process may still be copying from it', () => {
  const first = cachedBuild('fixture', options, cacheDir);
  writeSources('changed');
  cachedBuild('fixture', options, cacheDir);

  expect(existsSync(first)).toBe(true);
  expect(buildDirs()).toHaveLength(2);
});

test.each(['', 'Runbook', '../escape', 'a/b'])('refuses the name %j, saying what is allowed', (name) => {
  expect(() => cachedBuild(name, options, cacheDir)).toThrow(
    `cachedBuild: name: got ${JSON.stringify(name)}; allowed: lowercase letters, digits and hyphens`,
  );
});

test.each([
  ['its file removed', (dir: string) => rmSync(join(dir, 'main.js'))],
  ['its file emptied', (dir: string) => writeFileSync(join(dir, 'main.js'), '')],
  ['its file truncated', (dir: string) => writeFileSync(join(dir, 'main.js'), built(dir).slice(0, 10))],
])('a build directory with %s is built again, in the same place', (_what, damage) => {
  const first = cachedBuild('fixture', options, cacheDir);
  const complete = built(first);
  damage(first);

  const second = cachedBuild('fixture', options, cacheDir);

  expect(second).toBe(first);
  expect(built(second)).toBe(complete);
  expect(cachedBuild('fixture', options, cacheDir)).toBe(first);
});

test('a split ES module build (entries in directories, shared chunks) is reused, and built again without a chunk', () => {
  writeFileSync(
    join(work, 'src', 'other.ts'),
    "import { greeting } from './greeting';\nexport const other = greeting;\n",
  );
  const split: CachedBuildOptions = {
    ...options,
    entryPoints: { 'main/index': join(work, 'src', 'main.ts'), 'other/index': join(work, 'src', 'other.ts') },
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
  };
  const first = cachedBuild('fixture', split, cacheDir);
  const files = readdirSync(first, { recursive: true, encoding: 'utf8' }).sort();
  const chunk = files.find((f) => /^chunk-[A-Z0-9]+\.mjs$/.test(f));
  expect(files).toEqual(expect.arrayContaining(['main/index.mjs', 'other/index.mjs']));
  expect(chunk).toBeDefined();
  const manifest = JSON.parse(readFileSync(join(cacheDir, 'fixture.json'), 'utf8'));
  expect(Object.keys(manifest.outputs).sort()).toEqual(files.filter((f) => f.endsWith('.mjs')));
  writeFileSync(join(first, 'marker'), '');
  expect(cachedBuild('fixture', split, cacheDir)).toBe(first);
  expect(existsSync(join(first, 'marker'))).toBe(true);

  rmSync(join(first, chunk as string));
  const second = cachedBuild('fixture', split, cacheDir);

  expect(second).toBe(first);
  expect(readFileSync(join(second, chunk as string), 'utf8')).toContain('hello');
});

test.each([
  ['a record that is null', (inputs: Record<string, unknown>, key: string) => ({ ...inputs, [key]: null })],
  ['a record without its fields', (inputs: Record<string, unknown>, key: string) => ({ ...inputs, [key]: {} })],
  [
    'an input that was deleted',
    (inputs: Record<string, unknown>, key: string) => ({ ...inputs, 'gone.ts': inputs[key] }),
  ],
])('a manifest with %s is built again', (_what, corrupt) => {
  const first = cachedBuild('fixture', options, cacheDir);
  const manifestFile = join(cacheDir, 'fixture.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const key = Object.keys(manifest.inputs)[0];
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, inputs: corrupt(manifest.inputs, key) }));

  const second = cachedBuild('fixture', options, cacheDir);

  expect(second).toBe(first);
  expect(built(second)).toContain('hello');
  expect(JSON.parse(readFileSync(manifestFile, 'utf8')).inputs).toEqual(manifest.inputs);
});

test.each(['{"optionsKey":"ab', 'null', '[]', '{"optionsKey":1,"outputKey":"x","inputs":{}}'])(
  'a manifest reading %j is built again',
  (content) => {
    cachedBuild('fixture', options, cacheDir);
    writeFileSync(join(cacheDir, 'fixture.json'), content);

    expect(built(cachedBuild('fixture', options, cacheDir))).toContain('hello');
  },
);

test(`${BUNDLE_CACHE_ENV}=off neither creates nor writes the cache directory (it may be read-only)`, () => {
  process.env[BUNDLE_CACHE_ENV] = 'off';

  const fresh = removedAfter(cachedBuild('fixture', options, cacheDir));

  expect(built(fresh)).toContain('hello');
  expect(existsSync(cacheDir)).toBe(false);
});

test('a cache directory that cannot be written is refused, naming it and the way around it', () => {
  const blocker = join(work, 'not-a-directory');
  writeFileSync(blocker, '');
  const unwritable = join(blocker, 'cache');

  expect(() => cachedBuild('fixture', options, unwritable)).toThrow(
    `bundle cache: cannot write ${unwritable} (ENOTDIR); make it writable, or set ${BUNDLE_CACHE_ENV}=off to build outside it`,
  );
});

test('a build reused recently is kept when a new one lands, however long ago it was built', () => {
  const old = cachedBuild('fixture', options, cacheDir);
  const longAgo = new Date(Date.now() - 11 * 60 * 1000);
  utimesSync(old, longAgo, longAgo);
  expect(cachedBuild('fixture', options, cacheDir)).toBe(old); // another synth is copying from it now
  writeSources('changed');

  cachedBuild('fixture', options, cacheDir);

  expect(built(old)).toContain('hello');
});

describe('builds started in the background', () => {
  /** Blocks until `dir` holds a file matching `pattern` at most two levels down, so the worker has written it. */
  function waitForFile(dir: string, pattern: RegExp): string {
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (let attempt = 0; attempt < 600; attempt++) {
      const found = existsSync(dir)
        ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((path) => pattern.test(path))
        : undefined;
      if (found) return join(dir, found);
      Atomics.wait(sleep, 0, 0, 50);
    }
    throw new Error(`nothing matching ${pattern} appeared in ${dir}`);
  }

  test('cachedBuild takes the build the worker wrote and records it in the cache', () => {
    buildInBackground([{ name: 'fixture', options, cacheDir }]);
    // The worker writes into a work directory of its own before anyone asks for the build.
    const written = waitForFile(cacheDir, /^\.build-fixture-\d+-[0-9a-f]{8}\/main\.js$/);

    const dir = cachedBuild('fixture', options, cacheDir);

    expect(built(dir)).toContain('hello');
    expect(buildDirs()).toEqual([dir.split('/').at(-1)]);
    expect(existsSync(written)).toBe(false); // renamed into place
    // The manifest lists the inputs the worker's esbuild read, so the next call is a hit.
    writeFileSync(join(dir, 'marker'), '');
    expect(cachedBuild('fixture', options, cacheDir)).toBe(dir);
    expect(existsSync(join(dir, 'marker'))).toBe(true);
  });

  test('a changed input after a background build is built again', () => {
    buildInBackground([{ name: 'fixture', options, cacheDir }]);
    const first = cachedBuild('fixture', options, cacheDir);
    writeSources('good evening');

    expect(built(cachedBuild('fixture', options, cacheDir))).toContain('good evening');
    expect(built(first)).toContain('hello');
  });

  test('an input saved while the build ran is not recorded: this call gets the build, the next builds again', () => {
    buildInBackground([{ name: 'fixture', options, cacheDir }]);
    waitForFile(cacheDir, /^\.build-fixture-\d+-[0-9a-f]{8}\/main\.js$/);
    writeSources('changed meanwhile'); // after esbuild read it

    const during = cachedBuild('fixture', options, cacheDir);
    expect(built(during)).toContain('hello');
    expect(existsSync(join(cacheDir, 'fixture.json'))).toBe(false);

    const after = cachedBuild('fixture', options, cacheDir);
    expect(built(after)).toContain('changed meanwhile');
    expect(buildDirs()).toEqual([after.split('/').at(-1)]);
  });

  test('an input deleted while the build ran is not recorded: the next call builds again and says what is missing', () => {
    buildInBackground([{ name: 'fixture', options, cacheDir }]);
    waitForFile(cacheDir, /^\.build-fixture-\d+-[0-9a-f]{8}\/main\.js$/);
    rmSync(join(work, 'src', 'greeting.ts')); // after esbuild read it

    expect(built(cachedBuild('fixture', options, cacheDir))).toContain('hello');
    expect(existsSync(join(cacheDir, 'fixture.json'))).toBe(false);

    expect(() => cachedBuild('fixture', options, cacheDir)).toThrow(/Could not resolve "\.\/greeting"/);
  });

  test('several builds run at once, each taken by its own name, in any order', () => {
    const minified = { ...options, minify: true };
    buildInBackground([
      { name: 'fixture', options, cacheDir },
      { name: 'fixture-min', options: minified, cacheDir },
    ]);

    const min = cachedBuild('fixture-min', minified, cacheDir);
    const plain = cachedBuild('fixture', options, cacheDir);

    expect(built(plain)).toContain('hello');
    expect(built(min).length).toBeLessThan(built(plain).length);
    expect(readdirSync(cacheDir).filter((entry) => entry.startsWith('.build-'))).toEqual([]);
  });

  test("a failing background build throws esbuild's message from cachedBuild and leaves nothing behind", () => {
    writeFileSync(join(work, 'src', 'greeting.ts'), 'export const greeting = ;\n');
    buildInBackground([{ name: 'fixture', options, cacheDir }]);

    expect(() => cachedBuild('fixture', options, cacheDir)).toThrow(/greeting\.ts:1:\d+: ERROR: Unexpected ";"/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test(`with ${BUNDLE_CACHE_ENV}=off the worker builds outside the cache, once`, () => {
    process.env[BUNDLE_CACHE_ENV] = 'off';
    buildInBackground([{ name: 'fixture', options, cacheDir }]);

    const fresh = removedAfter(cachedBuild('fixture', options, cacheDir));

    expect(built(fresh)).toContain('hello');
    expect(fresh.startsWith(tmpdir())).toBe(true);
    expect(cachedBuild('fixture', options, cacheDir)).toBe(fresh);
    expect(existsSync(cacheDir)).toBe(false);
  });

  test('a build held by the cache starts no worker: cachedBuild returns the cached directory', () => {
    const cached = cachedBuild('fixture', options, cacheDir);
    writeFileSync(join(cached, 'marker'), '');

    buildInBackground([{ name: 'fixture', options, cacheDir }]);

    expect(readdirSync(cacheDir).filter((entry) => entry.startsWith('.build-'))).toEqual([]);
    expect(cachedBuild('fixture', options, cacheDir)).toBe(cached);
    expect(existsSync(join(cached, 'marker'))).toBe(true);
  });

  test('a bad cache setting is refused by buildInBackground as by cachedBuild', () => {
    process.env[BUNDLE_CACHE_ENV] = 'maybe';

    expect(() => buildInBackground([{ name: 'fixture', options, cacheDir }])).toThrow(
      `${BUNDLE_CACHE_ENV}: got "maybe"; allowed: "on" (the default) or "off"`,
    );
  });

  test('a background build nobody takes does not keep the process alive', () => {
    // esbuild blocks reading an entry point that is a named pipe nobody writes: the build never ends.
    const pipe = join(work, 'src', 'never.ts');
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0);
    const never = { ...options, entryPoints: { main: pipe } };
    const script = `
      const { buildInBackground } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'bundle-cache.ts'))});
      buildInBackground([{ name: 'fixture', options: ${JSON.stringify(never)}, cacheDir: ${JSON.stringify(cacheDir)} }]);
      process.stdout.write('started');
    `;

    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.error).toBeUndefined(); // not killed by the timeout
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('started');
  });

  test('a background build nobody took is removed when the process exits (another bundle failed, a config error)', () => {
    const script = `
      const { existsSync, readdirSync } = require('node:fs');
      const { buildInBackground } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'bundle-cache.ts'))});
      const cacheDir = ${JSON.stringify(cacheDir)};
      buildInBackground([{ name: 'fixture', options: ${JSON.stringify(options)}, cacheDir }]);
      const sleep = new Int32Array(new SharedArrayBuffer(4));
      const written = () => existsSync(cacheDir) && readdirSync(cacheDir, { recursive: true }).some((p) => p.endsWith('main.js'));
      for (let attempt = 0; attempt < 600 && !written(); attempt++) Atomics.wait(sleep, 0, 0, 50);
      process.stdout.write(readdirSync(cacheDir).join(','));
      process.exit(1); // as runApp does on the error
    `;

    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^\.build-fixture-\d+-[0-9a-f]{8}$/); // the worker had written it
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test('a background build still running when the process exits is not written after it', () => {
    // An entry point that is a named pipe: esbuild blocks reading it until the process, which holds it open for
    // writing, exits; then it reads an empty module and the build ends, after the process.
    const gate = join(work, 'src', 'gate.ts');
    expect(spawnSync('mkfifo', [gate]).status).toBe(0);
    const gated = { ...options, entryPoints: { main: join(work, 'src', 'main.ts'), gate } };
    const script = `
      const { constants, openSync } = require('node:fs');
      const { buildInBackground } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'bundle-cache.ts'))});
      buildInBackground([{ name: 'fixture', options: ${JSON.stringify(gated)}, cacheDir: ${JSON.stringify(cacheDir)} }]);
      const sleep = new Int32Array(new SharedArrayBuffer(4));
      for (let attempt = 0; attempt < 600; attempt++) {
        try {
          openSync(${JSON.stringify(gate)}, constants.O_WRONLY | constants.O_NONBLOCK); // once esbuild reads it
          break;
        } catch {
          Atomics.wait(sleep, 0, 0, 50);
        }
      }
      process.exit(1);
    `;

    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleep, 0, 0, 2000); // esbuild's process ends the build meanwhile
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test("a worker whose esbuild finds no binary answers at once with esbuild's reason", () => {
    // Preloaded in every thread; in the worker, esbuild's platform package does not resolve, as when its binary is
    // missing (an install without optional dependencies): esbuild.build throws instead of returning a promise.
    const preload = join(work, 'no-esbuild-binary.js');
    writeFileSync(
      preload,
      `
      const Module = require('node:module');
      if (!require('node:worker_threads').isMainThread) {
        const resolve = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
          if (request.startsWith('@esbuild/')) throw Object.assign(new Error('no ' + request), { code: 'MODULE_NOT_FOUND' });
          return resolve.call(this, request, ...rest);
        };
      }
      `,
    );
    const script = `
      const { buildInBackground, cachedBuild } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'bundle-cache.ts'))});
      const options = ${JSON.stringify(options)};
      buildInBackground([{ name: 'fixture', options, cacheDir: ${JSON.stringify(cacheDir)} }]);
      try {
        cachedBuild('fixture', options, ${JSON.stringify(cacheDir)});
      } catch (error) {
        process.stdout.write(error.message);
      }
    `;

    const result = spawnSync(process.execPath, ['--require', preload, '--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000, // far below the worker's timeout, 5 minutes
    });

    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/"@esbuild\/[a-z0-9-]+"/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

test('work directories left by a stopped synth are removed when a new build lands, once ten minutes old', () => {
  mkdirSync(cacheDir, { recursive: true });
  const abandoned = join(cacheDir, '.build-fixture-4242-0badc0de');
  const recent = join(cacheDir, '.build-fixture-4343-00c0ffee');
  const otherName = join(cacheDir, '.build-fixture-min-4242-0badc0de');
  for (const dir of [abandoned, recent, otherName]) mkdirSync(dir);
  const longAgo = new Date(Date.now() - 11 * 60 * 1000);
  utimesSync(abandoned, longAgo, longAgo);
  utimesSync(otherName, longAgo, longAgo);

  cachedBuild('fixture', options, cacheDir);

  expect(existsSync(abandoned)).toBe(false);
  expect(existsSync(recent)).toBe(true); // another process may be writing it
  expect(existsSync(otherName)).toBe(true); // another bundle's
});
