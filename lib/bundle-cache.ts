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
  override readonly name = 'BundleError';
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

/** With the cache off: the builds this process made, by cache directory, name and options. */
const freshBuilds = new Map<string, string>();

/**
 * Builds last built or reused longer ago than this, other than the current one, are removed when a new build of the
 * same name lands.
 */
const STALE_BUILD_AGE_MS = 10 * 60 * 1000;

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
 * Safe for concurrent processes (jest workers): a build is written to a private directory and renamed into
 * place; two processes that build the same inputs produce the same directory name and the second one's copy is
 * dropped.
 */
export function cachedBuild(name: string, options: CachedBuildOptions, cacheDir = DEFAULT_BUNDLE_CACHE_DIR): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`cachedBuild: name: got ${JSON.stringify(name)}; allowed: lowercase letters, digits and hyphens`);
  }
  const fresh = cacheTurnedOff();
  const optionsKey = sha256(JSON.stringify({ esbuildVersion, options }));
  const manifestFile = join(cacheDir, `${name}.json`);

  const freshKey = `${cacheDir}|${name}|${optionsKey}`;
  if (fresh) {
    const earlier = freshBuilds.get(freshKey);
    if (earlier && existsSync(earlier)) return earlier;
  } else {
    const manifest = readManifest(manifestFile);
    const dir = manifest && join(cacheDir, `${name}-${manifest.outputKey}`);
    if (
      manifest &&
      dir &&
      manifest.optionsKey === optionsKey &&
      outputsPresent(dir, manifest.outputs) &&
      inputsUnchanged(manifest.inputs)
    ) {
      markUsed(dir);
      return dir;
    }
    ensureWritable(cacheDir);
  }

  // With the cache off, the build goes outside the cache directory, which may be read-only.
  const work = fresh
    ? join(mkdtempSync(join(tmpdir(), `photo-platform-${name}-`)), 'build')
    : join(cacheDir, `.build-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = buildSync({ ...options, absWorkingDir: PROJECT_ROOT, outdir: work, metafile: true, write: true });
    if (result.errors.length > 0) throw new BundleError(result.errors.map((e) => e.text).join('; '));
    if (fresh) {
      // Staged by CDK (copied into cdk.out) while the construct is built, so it is not needed after the process.
      process.once('exit', () => rmSync(join(work, '..'), { recursive: true, force: true }));
      freshBuilds.set(freshKey, work);
      return work;
    }
    const inputs = recordInputs([...Object.keys(result.metafile.inputs), 'package-lock.json', 'tsconfig.json']);
    const outputKey = sha256(
      JSON.stringify({ optionsKey, inputs: Object.entries(inputs).map(([path, r]) => [path, r.sha256]) }),
    ).slice(0, 24);
    const dir = join(cacheDir, `${name}-${outputKey}`);
    const outputs = recordOutputs(work);
    if (outputsPresent(dir, outputs)) rmSync(work, { recursive: true, force: true });
    else moveIntoPlace(work, dir);
    writeAtomically(manifestFile, JSON.stringify({ optionsKey, outputKey, inputs, outputs } satisfies Manifest));
    removeStaleBuilds(cacheDir, name, dir);
    return dir;
  } catch (error) {
    rmSync(fresh ? join(work, '..') : work, { recursive: true, force: true });
    throw error;
  }
}

/** Reads `PHOTO_PLATFORM_BUNDLE_CACHE`: unset or `on` uses the cache, `off` builds afresh; anything else is refused. */
function cacheTurnedOff(): boolean {
  const value = process.env[BUNDLE_CACHE_ENV];
  if (value === undefined || value === '' || value === 'on') return false;
  if (value === 'off') return true;
  throw new BundleError(`${BUNDLE_CACHE_ENV}: got ${JSON.stringify(value)}; allowed: "on" (the default) or "off"`);
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
    throw new BundleError(
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

/** Size, modification time and content hash of each input that is a file (esbuild also lists virtual modules). */
function recordInputs(paths: readonly string[]): Record<string, InputRecord> {
  const inputs: Record<string, InputRecord> = {};
  // Sorted, so the output key does not depend on the order esbuild happened to list them in.
  for (const path of [...new Set(paths)].sort()) {
    const file = absolute(path);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile()) continue;
    inputs[path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(readFileSync(file)) };
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

/** Removes the other builds of `name` that no synth built or reused recently enough to be copying from them still. */
function removeStaleBuilds(cacheDir: string, name: string, current: string): void {
  const now = Date.now();
  for (const entry of readdirSync(cacheDir)) {
    const path = join(cacheDir, entry);
    if (path === current || !isBuildOf(name, entry)) continue;
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

function absolute(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
