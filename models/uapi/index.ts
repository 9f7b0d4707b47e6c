export * from './device.ts';
export * from './sync-file.ts';
export * from './sw-sync.ts';
export * from './dma-buf.ts';
export * from './syncobj.ts';
export * from './dma-fence.ts';
export * from './queue.ts';
export * from './vgem.ts';
