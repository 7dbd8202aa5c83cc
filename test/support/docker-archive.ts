import { writeFileSync } from 'node:fs';
import { blob, sha256, type Blob } from './oci.js';

/** `docker save` archives built without docker: manifest.json, the config and each layer as an uncompressed tar. */

/** One ustar entry: a header block, then the bytes padded to 512. */
function tarEntry(path: string, bytes: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(path, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${bytes.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (bytes.length % 512)) % 512);
  return Buffer.concat([header, bytes, padding]);
}

export function tarOf(files: { path: string; bytes: Buffer }[]): Buffer {
  return Buffer.concat([...files.map(({ path, bytes }) => tarEntry(path, bytes)), Buffer.alloc(1024)]);
}

export interface DockerArchive {
  config: Blob;
  layers: Blob[];
}

/** Writes an archive as docker (before 25) saves one: <id>/layer.tar, <id>.json and manifest.json, tagged `repoTag`. */
export function writeDockerArchive(file: string, repoTag: string, layerContents: Buffer[][]): DockerArchive {
  const layers = layerContents.map((files) => blob(tarOf(files.map((bytes, i) => ({ path: `file-${i}`, bytes }))), 'application/vnd.docker.image.rootfs.diff.tar'));
  const config = blob(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => sha256(layer.bytes)) },
  }), 'application/vnd.docker.container.image.v1+json');
  const configPath = `${config.digest.slice(7)}.json`;
  const layerPaths = layers.map((layer) => `${layer.digest.slice(7, 71)}/layer.tar`);
  const manifest = [{ Config: configPath, RepoTags: [repoTag], Layers: layerPaths }];
  writeFileSync(file, tarOf([
    ...layers.map((layer, i) => ({ path: layerPaths[i]!, bytes: layer.bytes })),
    { path: configPath, bytes: config.bytes },
    { path: 'manifest.json', bytes: Buffer.from(JSON.stringify(manifest)) },
  ]));
  return { config, layers };
}
