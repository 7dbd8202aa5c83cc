import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  DeleteObjectTaggingCommand, GetObjectTaggingCommand, PutObjectTaggingCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local mode's S3 (s3rver, extended) for the pending mark of direct uploads and
 * the sweeper: tags from x-amz-tagging on PUT and multipart uploads,
 * DeleteObjectTagging and AbortMultipartUpload, as S3 does them. A HEAD of a
 * missing key answers 403, as S3 answers a caller without s3:ListBucket.
 */

const bucket = 'pending';
const local = useLocalS3(bucket);
const url = (key: string) => local().url(key);
const files = () => local().files();

async function tagsOf(key: string): Promise<Record<string, string>> {
  const result = await local().client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((result.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
}

async function errorCode(response: Response): Promise<string | undefined> {
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];
}

describe("local S3's object tags", () => {
  it('tags an object from the x-amz-tagging header of its PUT; a new object at the key has only its own tags', async () => {
    const put = await fetch(url('tagged'), { method: 'PUT', body: randomBytes(100), headers: { 'x-amz-tagging': 'berth-upload=pending&team=a%20b' } });
    expect(put.status).toBe(200);
    expect(await tagsOf('tagged')).toEqual({ 'berth-upload': 'pending', team: 'a b' });
    await fetch(url('tagged'), { method: 'PUT', body: randomBytes(100) });
    expect(await tagsOf('tagged')).toEqual({});
  });

  it('refuses tags S3 would refuse and stores nothing', async () => {
    const refused = await fetch(url('bad-tags'), { method: 'PUT', body: randomBytes(100), headers: { 'x-amz-tagging': 'a=%3Cb%3E' } });
    expect(refused.status).toBe(400);
    expect(await errorCode(refused)).toBe('MalformedXML');
    expect((await fetch(url('bad-tags'), { method: 'HEAD' })).status).toBe(403);
  });

  it('keeps the tags of an object that a conditional PUT (If-None-Match: *) refused to replace', async () => {
    await fetch(url('verified'), { method: 'PUT', body: randomBytes(100), headers: { 'if-none-match': '*' } });
    const replay = await fetch(url('verified'), { method: 'PUT', body: randomBytes(100), headers: { 'if-none-match': '*', 'x-amz-tagging': 'berth-upload=pending' } });
    expect(replay.status).toBe(412);
    expect(await tagsOf('verified')).toEqual({});
  });

  it('keeps the tags set by PutObjectTagging, and removes them with DeleteObjectTagging', async () => {
    await fetch(url('retagged'), { method: 'PUT', body: randomBytes(100), headers: { 'x-amz-tagging': 'berth-upload=pending' } });
    await local().client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'retagged', Tagging: { TagSet: [{ Key: 'kept', Value: 'yes' }] } }));
    expect(await tagsOf('retagged')).toEqual({ kept: 'yes' });
    await local().client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'retagged' }));
    expect(await tagsOf('retagged')).toEqual({});
  });

  it('answers DeleteObjectTagging of a missing object with NoSuchKey', async () => {
    await expect(local().client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('deletes an object with its tags, leaving no file behind', async () => {
    await fetch(url('gone/object'), { method: 'PUT', body: randomBytes(100) });
    await local().client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'gone/object', Tagging: { TagSet: [{ Key: 'berth-upload', Value: 'pending' }] } }));
    expect(files().some((name) => name.startsWith('gone'))).toBe(true);
    await local().client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/object' }));
    expect(files().filter((name) => name.startsWith('gone'))).toEqual([]);
  });
});

describe("local S3's multipart uploads", () => {
  async function upload(key: string, tagging?: string): Promise<{ id: string; etag: string }> {
    const { UploadId } = await local().client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...(tagging ? { Tagging: tagging } : {}) }));
    const { ETag } = await local().client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(100) }));
    return { id: UploadId!, etag: ETag! };
  }

  const complete = (key: string, { id, etag }: { id: string; etag: string }) => local().client.send(new CompleteMultipartUploadCommand({
    Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] },
  }));

  it('tags the object from the x-amz-tagging the upload started with, replacing what the key had', async () => {
    await fetch(url('assembled'), { method: 'PUT', body: randomBytes(10), headers: { 'x-amz-tagging': 'old=tag' } });
    await complete('assembled', await upload('assembled', 'berth-upload=pending'));
    expect(await tagsOf('assembled')).toEqual({ 'berth-upload': 'pending' });
    await complete('assembled', await upload('assembled'));
    expect(await tagsOf('assembled')).toEqual({});
  });

  it('refuses bad tags when the upload starts', async () => {
    await expect(local().client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'bad', Tagging: 'a=%3Cb%3E' }))).rejects.toMatchObject({ name: 'MalformedXML' });
  });

  it('still fails to complete an upload it does not know, making no object', async () => {
    await expect(complete('unknown', { id: 'abc123', etag: '"x"' })).rejects.toThrow();
    expect((await fetch(url('unknown'), { method: 'HEAD' })).status).toBe(403);
  });

  it('aborts an upload, discarding its parts; an aborted or malformed upload ID is NoSuchUpload', async () => {
    const started = await upload('abandoned', 'berth-upload=pending');
    const uploads = () => files().filter((name) => name.includes(started.id));
    expect(uploads().length).toBeGreaterThan(0);
    await local().client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'abandoned', UploadId: started.id }));
    expect(uploads()).toEqual([]);
    for (const id of [started.id, '..']) {
      await expect(local().client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'abandoned', UploadId: id }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    }
    await expect(complete('abandoned', started)).rejects.toThrow();
    expect((await fetch(url('abandoned'), { method: 'HEAD' })).status).toBe(403);
  });
});

describe("local S3's answer to a malformed path", () => {
  it('leaves a key with a malformed escape to s3rver, which stores it, rather than failing the request', async () => {
    const response = await fetch(`${local().endpoint}/${bucket}/bad%zzkey`, { method: 'PUT', body: 'x', headers: { 'x-amz-tagging': 'a=b' } });
    expect(response.status).toBe(200);
    expect((await fetch(`${local().endpoint}/${bucket}/bad%zzkey`, { method: 'HEAD' })).status).toBe(200);
  });
});
