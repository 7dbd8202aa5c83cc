// s3rver ships no type declarations; this covers the part Berth uses.
declare module 's3rver' {
  import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
  import type { Readable } from 'node:stream';
  import type { TaggingConfiguration } from 's3rver/lib/models/config.js';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  }

  /** The part of a Koa context that s3rver's request handling reads and writes. */
  export interface S3rverContext {
    method: string;
    /** The request's path, `/<bucket>/<key>` when addressed path-style. */
    path: string;
    query: Record<string, string | string[] | undefined>;
    headers: IncomingHttpHeaders;
    status: number;
    set(name: string, value: string): void;
    remove(name: string): void;
    response: { get(name: string): string; headers: OutgoingHttpHeaders };
    req: IncomingMessage;
    res: ServerResponse;
    /** False: the middleware that set it answers on `res` itself. */
    respond?: boolean;
    body?: unknown;
  }

  /** An object as s3rver's store receives it: metadata holds the headers it keeps, x-amz-meta-* among them. */
  export interface S3rverObject {
    bucket: string;
    key: string;
    content: Readable | Buffer;
    metadata: Record<string, string>;
  }

  /** s3rver's filesystem store: each object is a file, its MD5 and its metadata beside it. */
  export interface S3rverStore {
    /** Without a key, a resource of the bucket (`uploads`: the directory of multipart uploads). */
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    existsObject(bucket: string, key: string): Promise<boolean>;
    /** GetObject: content is a stream of the object's file (of the range asked for); null for a missing key. */
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null>;
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
    /** UploadPart: the part's file in the upload's directory, its MD5 beside it. */
    putPart(bucket: string, uploadId: string, partNumber: string, content: Readable): Promise<{ size: number; md5: string }>;
    /** CompleteMultipartUpload: the parts (ETags without quotes) assembled into the upload's key. */
    putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<{ size: number; md5: string }>;
    deleteObject(bucket: string, key: string): Promise<void>;
    /** Subresources (`tagging`) are files beside the object. */
    putSubresource(bucket: string, key: string, resource: TaggingConfiguration): Promise<void>;
    deleteSubresource(bucket: string, key: string, resourceType: 'tagging'): Promise<void>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Koa's middleware list, composed when the server starts. */
    middleware: ((ctx: S3rverContext, next: () => Promise<void>) => Promise<void>)[];
    store: S3rverStore;
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/stores/filesystem.js' {
  import type { S3rverStore } from 's3rver';
  /** The class of every s3rver's store: tests wrap its methods to inject faults. */
  const FilesystemStore: { prototype: S3rverStore };
  export default FilesystemStore;
}

declare module 's3rver/lib/models/error.js' {
  /** An error s3rver renders as S3's XML error document, with the status S3 gives its code. */
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
  }
}

declare module 's3rver/lib/models/config.js' {
  /** An object's tags as s3rver keeps them: the XML document of PutObjectTagging. */
  export class TaggingConfiguration {
    /** Parses the document; throws MalformedXML when it is not well-formed. */
    static validate(xml: string): TaggingConfiguration;
  }
}
