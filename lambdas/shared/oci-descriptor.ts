/** An OCI content descriptor (image-spec descriptor.md): what the registry core and the stores both speak of. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}
