import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';

/** The repository root: esbuild's working directory, so input paths in the manifest are relative to it. */
export const PROJECT_ROOT = join(__dirname, '..');

/** Where built bundles are kept between synths (the usual home of tool caches). */
export const DEFAULT_BUNDLE_CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'photo-platform-bundles');

/**
 * `on` (the default) or `off`. Set to `off` to build each bundle afresh once per process, in a directory of its own, without reading or
 * writing the cache: what a first synth on a fresh clone does.
 */
export const BUNDLE_CACHE_ENV = 'PHOTO_PLATFORM_BUNDLE_CACHE';

/** A bundle that could not be built, or a bad bundle setting: synth stops with its message alone. */
export class BundleError extends Error {
  override readonly name: string = 'BundleError';
}

/**
 * A bad bundle setting (`PHOTO_PLATFORM_BUNDLE_CACHE`, a cache directory that cannot be written): no bundle is at
 * fault, so the constructs pass it on as it is rather than as their bundle's failure.
 */
export class BundleSettingError extends BundleError {
  override readonly name = 'BundleSettingError';
}

/** What a build may set; the cache owns where the output goes and asks for the metafile itself. */
export type CachedBuildOptions = Omit<BuildOptions, 'outdir' | 'outfile' | 'metafile' | 'write' | 'absWorkingDir'>;

/** One input file as it was when the cached build read it. */
interface InputRecord {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** `<name>.json` in the cache directory: what the current build of `name` was made from, and where it is. */
interface Manifest {
  readonly optionsKey: string;
  readonly outputKey: string;
  readonly inputs: Readonly<Record<string, InputRecord>>;
  /** Size in bytes of each file of the build directory, by path inside it: a hit needs every one of them. */
  readonly outputs: Readonly<Record<string, number>>;
}

/** With the cache off: the builds this process made, by `BuildId.key`. */
const freshBuilds = new Map<string, string>();

/**
 * Builds last built or reused longer ago than this, other than the current one, are removed when a new build of the
 * same name lands.
 */
const STALE_BUILD_AGE_MS = 10 * 60 * 1000;

/** The start of the name of a build being written (`.build-<name>-<pid>-<random>`), renamed into place when done. */
const WORK_PREFIX = '.build-';

/**
 * Runs an esbuild build, or returns the output of an identical earlier one, and returns the directory holding
 * the output files. CDK bundles every asset again on every synth; this makes a synth (and every test that builds
 * the deployment) pay for a bundle only when something it is made of changed.
 *
 * A build is identified by esbuild's version and the options (`optionsKey`) and by the content of every file
 * esbuild read, as its metafile lists them. A later call reuses the build when the options are the same and
 * every input is unchanged: same size and modification time, or else the same SHA-256 (so a fresh `npm ci`,
 * which rewrites every modification time, still hits when the content is the same).
 *
 * Known limit: a change that alters how an import resolves without changing any file esbuild read (a new
 * `foo.ts` beside the `foo.js` an import found) is not seen. package-lock.json and tsconfig.json are inputs of
 * every build to cover the common case, an installed package changing; set `PHOTO_PLATFORM_BUNDLE_CACHE=off`
 * (or delete the cache directory) to build afresh.
 *
 * A build directory that lost a file or whose files changed size (a partly deleted cache) is not a hit: it is
 * built again and the damaged directory replaced.
 *
 * An input saved or deleted while its build runs (a second save during `cdk watch`) leaves that build out of the
 * cache: the synth that started it uses it, and the next one builds again.
 *
 * Safe for concurrent processes (jest workers): a build is written to a private directory and renamed into
 * place; two processes that build the same inputs produce the same directory name and the second one's copy is
 * dropped.
 *
 * When `buildInBackground` started the same build, this waits for it instead of building again.
 */
export function cachedBuild(name: string, options: CachedBuildOptions, cacheDir = DEFAULT_BUNDLE_CACHE_DIR): string {
  const id = identify(name, options, cacheDir);
  const started = inBackground.get(id.key);
  if (started) {
    inBackground.delete(id.key);
    return finish(started.build, () => started.channel.answer(started.index));
  }
  const found = lookUp(id, options);
  return 'dir' in found ? found.dir : finish(found.build, () => runEsbuild(found.build.esbuildOptions));
}

/** A bundle to build: what `cachedBuild` is called with. */
export interface BuildRequest {
  readonly name: string;
  readonly options: CachedBuildOptions;
  /** @default DEFAULT_BUNDLE_CACHE_DIR */
  readonly cacheDir?: string;
}

/**
 * Starts the builds among `requests` that the cache does not hold, in a worker thread, and returns at once. A
 * later `cachedBuild` of the same name, options and cache directory waits for that build and records it as its
 * own would have been: same cache entry, same errors. The app calls this first, so that esbuild runs while CDK's
 * modules load and the constructs before the first bundle are built, rather than stopping the synth for it.
 *
 * The worker only runs esbuild, every build at once (esbuild shares the cores among them), and writes the
 * output to the build's work directory; the cache's bookkeeping stays on the calling thread. A failure in the
 * worker is reported by the `cachedBuild` that waits for the build. A build no `cachedBuild` takes leaves nothing
 * when the process exits.
 */
export function buildInBackground(requests: readonly BuildRequest[]): void {
  const builds: PendingBuild[] = [];
  for (const { name, options, cacheDir = DEFAULT_BUNDLE_CACHE_DIR } of requests) {
    const id = identify(name, options, cacheDir);
    if (inBackground.has(id.key)) continue;
    const found = lookUp(id, options);
    if ('build' in found) builds.push(found.build);
  }
  if (builds.length === 0) return;
  const channel = new WorkerChannel(builds.map((build) => build.esbuildOptions));
  builds.forEach((build, index) => {
    inBackground.set(build.key, { build, channel, index });
  });
  if (!untakenRemovedAtExit) {
    untakenRemovedAtExit = true;
    // A build no `cachedBuild` took (the synth stopped first: a configuration error, another bundle's) is recorded
    // nowhere: its work directory goes with the process.
    process.once('exit', () => {
      for (const { build } of inBackground.values()) {
        rmSync(build.esbuildOptions.outdir, { recursive: true, force: true });
      }
    });
  }
}

/** A build `cachedBuild` has to run: where esbuild writes it and what to record once it is written. */
interface PendingBuild extends BuildId {
  /** With the cache off: a private temporary directory, removed when the process exits. */
  readonly fresh: boolean;
  /** esbuild's options, with the output directory (`outdir`) the build is written to. */
  readonly esbuildOptions: BuildOptions & { outdir: string };
  /** When the build was started (`Date.now()`): an input modified later may not be what esbuild read. */
  readonly startedAt: number;
}

/** What `cachedBuild` needs of a finished esbuild run; `failure` is the message of a build that threw. */
interface EsbuildAnswer {
  readonly inputs?: readonly string[];
  readonly errors?: readonly string[];
  readonly failure?: string;
}

/** Builds started by `buildInBackground` that no `cachedBuild` has taken yet, by `BuildId.key`. */
const inBackground = new Map<
  string,
  { readonly build: PendingBuild; readonly channel: WorkerChannel; readonly index: number }
>();

/** Whether the process's exit is set to remove the work directories of the builds left in `inBackground`. */
let untakenRemovedAtExit = false;

/** Which build a call asks for; `key` (cache directory, name and options) tells builds apart in this process. */
interface BuildId {
  readonly key: string;
  readonly name: string;
  readonly cacheDir: string;
  /** esbuild's version and the options, hashed: the part of a build's identity the manifest records. */
  readonly optionsKey: string;
}

function identify(name: string, options: CachedBuildOptions, cacheDir: string): BuildId {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`cachedBuild: name: got ${JSON.stringify(name)}; allowed: lowercase letters, digits and hyphens`);
  }
  const optionsKey = sha256(JSON.stringify({ esbuildVersion, options }));
  return { key: `${cacheDir}|${name}|${optionsKey}`, name, cacheDir, optionsKey };
}

/** The directory of a build this process or the cache already holds, or else the build to run. */
function lookUp(id: BuildId, options: CachedBuildOptions): { dir: string } | { build: PendingBuild } {
  const { key, name, cacheDir, optionsKey } = id;
  const fresh = cacheTurnedOff();
  if (fresh) {
    const earlier = freshBuilds.get(key);
    if (earlier && existsSync(earlier)) return { dir: earlier };
  } else {
    const manifest = readManifest(join(cacheDir, `${name}.json`));
    const dir = manifest && join(cacheDir, `${name}-${manifest.outputKey}`);
    if (
      manifest &&
      dir &&
      manifest.optionsKey === optionsKey &&
      outputsPresent(dir, manifest.outputs) &&
      inputsUnchanged(manifest.inputs)
    ) {
      markUsed(dir);
      return { dir };
    }
    ensureWritable(cacheDir);
  }

  // With the cache off, the build goes outside the cache directory, which may be read-only.
  let outdir: string;
  if (fresh) {
    const root = mkdtempSync(join(tmpdir(), `photo-platform-${name}-`));
    // Staged by CDK (copied into cdk.out) while the construct is built, so it is not needed after the process.
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    outdir = join(root, 'build');
  } else {
    outdir = join(cacheDir, `${WORK_PREFIX}${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  }
  const esbuildOptions = { ...options, absWorkingDir: PROJECT_ROOT, outdir, metafile: true, write: true };
  return { build: { ...id, fresh, esbuildOptions, startedAt: Date.now() } };
}

function runEsbuild(options: BuildOptions): EsbuildAnswer {
  const result = buildSync({ ...options, metafile: true });
  return { inputs: Object.keys(result.metafile.inputs), errors: result.errors.map((e) => e.text) };
}

/** Records the build `run` wrote (in the cache, or as this process's fresh build) and returns its directory. */
function finish(build: PendingBuild, run: () => EsbuildAnswer): string {
  const work = build.esbuildOptions.outdir;
  try {
    const answer = run();
    if (answer.failure !== undefined) throw new Error(answer.failure);
    if (answer.errors && answer.errors.length > 0) throw new BundleError(answer.errors.join('; '));
    if (build.fresh) {
      freshBuilds.set(build.key, work);
      return work;
    }
    const inputs = recordInputs([...(answer.inputs ?? []), 'package-lock.json', 'tsconfig.json']);
    // Whole milliseconds: `Date.now()` drops the fraction that a file's modification time keeps.
    if (!inputs || Object.values(inputs).some((input) => Math.floor(input.mtimeMs) > build.startedAt)) {
      // An input was saved or deleted while esbuild ran, so the output may be of its old content: this synth uses
      // it where it is, and nothing is recorded, so the next one builds again. The work directory goes with the
      // stale ones.
      return work;
    }
    const outputKey = sha256(
      JSON.stringify({
        optionsKey: build.optionsKey,
        inputs: Object.entries(inputs).map(([path, r]) => [path, r.sha256]),
      }),
    ).slice(0, 24);
    const dir = join(build.cacheDir, `${build.name}-${outputKey}`);
    const outputs = recordOutputs(work);
    if (outputsPresent(dir, outputs)) rmSync(work, { recursive: true, force: true });
    else moveIntoPlace(work, dir);
    writeAtomically(
      join(build.cacheDir, `${build.name}.json`),
      JSON.stringify({ optionsKey: build.optionsKey, outputKey, inputs, outputs } satisfies Manifest),
    );
    removeStaleBuilds(build.cacheDir, build.name, dir);
    return dir;
  } catch (error) {
    rmSync(build.fresh ? join(work, '..') : work, { recursive: true, force: true });
    throw error;
  }
}

/** How long `cachedBuild` waits for a build the worker runs before it gives up: far beyond any real build. */
const WORKER_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The worker thread's program: plain JavaScript (it is evaluated, so it needs no TypeScript loader). It starts
 * every build, and as each ends it writes the output files, answers on the port with the build's index, then
 * raises the build's flag for the waiting thread.
 *
 * The worker writes the files, not esbuild's process: that one goes on with a build in flight after this process
 * exited, and would write it after the exit removed the build's directory (`buildInBackground`).
 */
const WORKER_SOURCE = `
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { workerData } = require('node:worker_threads');
const { esbuildPath, builds, done, port } = workerData;
const answer = (index, message) => {
  port.postMessage({ index, ...message });
  Atomics.store(done, index, 1);
  Atomics.notify(done, index);
};
let esbuild;
try {
  esbuild = require(esbuildPath);
} catch (error) {
  builds.forEach((_, index) => answer(index, { failure: String(error) }));
}
if (esbuild) {
  Promise.all(builds.map((options, index) =>
    // Started inside a promise: esbuild.build throws, rather than rejecting, when it finds no binary to run.
    new Promise((resolve) => resolve(esbuild.build({ ...options, write: false })))
      .then((result) => {
        for (const file of result.outputFiles) {
          mkdirSync(dirname(file.path), { recursive: true });
          writeFileSync(file.path, file.contents);
        }
        return { inputs: Object.keys(result.metafile.inputs), errors: result.errors.map((e) => e.text) };
      })
      .then(
        (message) => answer(index, message),
        (error) => answer(index, { failure: error instanceof Error ? error.message : String(error) }),
      ),
  )).then(() => port.close());
}
`;

/** One worker thread running builds, and the answers it sent that no `cachedBuild` has taken yet. */
class WorkerChannel {
  private readonly done: Int32Array;
  private readonly port: MessagePort;
  private readonly answers: EsbuildAnswer[] = [];

  constructor(builds: readonly BuildOptions[]) {
    this.done = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * builds.length));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { esbuildPath: require.resolve('esbuild'), builds, done: this.done, port: port2 },
      transferList: [port2],
    });
    // Neither may keep the process alive: a synth that stops early (a configuration error) does not wait for them.
    worker.unref();
    port1.unref();
  }

  /** Blocks the calling thread until the worker has answered for build `index`, and returns the answer. */
  answer(index: number): EsbuildAnswer {
    if (Atomics.wait(this.done, index, 0, WORKER_TIMEOUT_MS) === 'timed-out') {
      throw new BundleError(`the bundle worker gave no answer within ${WORKER_TIMEOUT_MS / 1000} s`);
    }
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const { index: answered, ...answer } = message.message as EsbuildAnswer & { index: number };
      this.answers[answered] = answer;
    }
    return this.answers[index];
  }
}

/** Reads `PHOTO_PLATFORM_BUNDLE_CACHE`: unset, empty or `on` uses the cache, `off` builds afresh; anything else is refused. */
function cacheTurnedOff(): boolean {
  const value = process.env[BUNDLE_CACHE_ENV];
  if (value === undefined || value === '' || value === 'on') return false;
  if (value === 'off') return true;
  throw new BundleSettingError(
    `${BUNDLE_CACHE_ENV}: got ${JSON.stringify(value)}; allowed: "on" (the default) or "off"`,
  );
}

/** Sets the modification time of a reused build to now, so that `removeStaleBuilds` sees it as in use. */
function markUsed(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // A read-only cache: a hit still needs no write, and no process can remove the build there either.
  }
}

/** Creates `cacheDir` if needed and checks that builds can be written there. */
function ensureWritable(cacheDir: string): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    accessSync(cacheDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new BundleSettingError(
      `bundle cache: cannot write ${cacheDir} (${code}); make it writable, or set ${BUNDLE_CACHE_ENV}=off to build outside it`,
      { cause: error },
    );
  }
}

/** The manifest in `file`, or undefined when there is none or it is not one this version wrote whole: build. */
function readManifest(file: string): Manifest | undefined {
  let parsed: Partial<Manifest> | null;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest> | null;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { optionsKey, outputKey, inputs, outputs } = parsed;
  if (typeof optionsKey !== 'string' || typeof outputKey !== 'string' || !/^[0-9a-f]{24}$/.test(outputKey)) {
    return undefined;
  }
  if (!isRecordOf(inputs, isInputRecord) || !isRecordOf(outputs, (size) => typeof size === 'number')) return undefined;
  if (Object.keys(outputs).length === 0) return undefined;
  return { optionsKey, outputKey, inputs, outputs };
}

function isRecordOf<T>(value: unknown, isItem: (item: unknown) => item is T): value is Record<string, T>;
function isRecordOf(value: unknown, isItem: (item: unknown) => boolean): boolean;
function isRecordOf(value: unknown, isItem: (item: unknown) => boolean): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isItem);
}

function isInputRecord(value: unknown): value is InputRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { size, mtimeMs, sha256 } = value as Partial<InputRecord>;
  return typeof size === 'number' && typeof mtimeMs === 'number' && typeof sha256 === 'string';
}

/** Whether `dir` holds every file of `outputs`, each of its recorded size. */
function outputsPresent(dir: string, outputs: Readonly<Record<string, number>>): boolean {
  for (const [path, size] of Object.entries(outputs)) {
    try {
      if (statSync(join(dir, path)).size !== size) return false;
    } catch {
      return false;
    }
  }
  return existsSync(dir);
}

/** The size of every file under `dir`, by its path inside it. */
function recordOutputs(dir: string): Record<string, number> {
  const outputs: Record<string, number> = {};
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = statSync(join(dir, path));
    if (stat.isFile()) outputs[path] = stat.size;
  }
  return outputs;
}

function inputsUnchanged(inputs: Readonly<Record<string, InputRecord>>): boolean {
  for (const [path, recorded] of Object.entries(inputs)) {
    const file = absolute(path);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(file);
    } catch {
      return false;
    }
    if (stat.size !== recorded.size) return false;
    if (stat.mtimeMs === recorded.mtimeMs) continue;
    if (sha256(readFileSync(file)) !== recorded.sha256) return false;
  }
  return true;
}

/**
 * Size, modification time and content hash of each input that is a file (esbuild also lists modules of other
 * namespaces, `(disabled):...`, which are not), or undefined when a file esbuild read is gone: deleted since, so
 * the build may not be what those inputs make now.
 */
function recordInputs(paths: readonly string[]): Record<string, InputRecord> | undefined {
  const inputs: Record<string, InputRecord> = {};
  // Sorted, so the output key does not depend on the order esbuild happened to list them in.
  for (const path of [...new Set(paths)].sort()) {
    const file = absolute(path);
    try {
      if (!statSync(file).isFile()) continue;
      const content = readFileSync(file);
      // Looked at again after the read: a save since the first look shows as a modification time after the build
      // started (and the build is not recorded), not as the saved content recorded with the time before it.
      const { size, mtimeMs } = statSync(file);
      inputs[path] = { size, mtimeMs, sha256: sha256(content) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (!/^[^/]*:/.test(path)) return undefined;
    }
  }
  return inputs;
}

/** Renames the build `work` to `dir`, replacing a damaged copy there (one missing files). */
function moveIntoPlace(work: string, dir: string): void {
  if (existsSync(dir)) {
    // Renamed aside first, so that no other process sees a half-removed directory under the build's name.
    const aside = `${dir}.damaged-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(dir, aside);
      rmSync(aside, { recursive: true, force: true });
    } catch {
      // another process replaced it meanwhile
    }
  }
  try {
    renameSync(work, dir);
  } catch (error) {
    // Another process renamed the same build into place first: its copy is identical.
    if (!existsSync(dir)) throw error;
    rmSync(work, { recursive: true, force: true });
  }
}

function writeAtomically(file: string, content: string): void {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

/**
 * Removes the other builds of `name` that no synth built or reused recently enough to be copying from them still,
 * and builds of `name` left half-written that long ago (by a synth that was stopped while esbuild ran).
 */
function removeStaleBuilds(cacheDir: string, name: string, current: string): void {
  const now = Date.now();
  for (const entry of readdirSync(cacheDir)) {
    const path = join(cacheDir, entry);
    if (path === current || !(isBuildOf(name, entry) || isWorkOf(name, entry))) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_BUILD_AGE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

function isBuildOf(name: string, entry: string): boolean {
  return entry.startsWith(`${name}-`) && /^[0-9a-f]{24}$/.test(entry.slice(name.length + 1));
}

function isWorkOf(name: string, entry: string): boolean {
  const prefix = `${WORK_PREFIX}${name}-`;
  return entry.startsWith(prefix) && /^[0-9]+-[0-9a-f]{8}$/.test(entry.slice(prefix.length));
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
