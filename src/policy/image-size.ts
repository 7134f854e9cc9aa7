// Pure. Reads an image's pixel size from the first bytes of its base64 data (PNG, GIF, WebP,
// JPEG), decoding only the few bytes it needs, so estimating a 5 MB image costs microseconds.

export interface ImageSize { width: number; height: number }

/** Largest side accepted as plausible; anything else is treated as unreadable. */
const MAX_SIDE = 100_000
/** JPEG markers before the frame header (EXIF, ICC profiles) are skipped by length; give up after this many. */
const MAX_JPEG_SEGMENTS = 64

/**
 * @example imageSizeFromBase64(pngBase64) // { width: 800, height: 600 }, or null if unknown
 */
export function imageSizeFromBase64 (data: string): ImageSize | null {
  const head = bytesAt(data, 0, 30)
  if (head === null || head.length < 10) return null
  let size: ImageSize | null = null
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 && head.length >= 24) {
    size = { width: head.readUInt32BE(16), height: head.readUInt32BE(20) }
  } else if (head.toString('latin1', 0, 4) === 'GIF8') {
    size = { width: head.readUInt16LE(6), height: head.readUInt16LE(8) }
  } else if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP' && head.length >= 30) {
    size = webpSize(head)
  } else if (head[0] === 0xff && head[1] === 0xd8) {
    size = jpegSize(data)
  }
  if (size === null) return null
  const plausible = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= MAX_SIDE
  return plausible(size.width) && plausible(size.height) ? size : null
}

function webpSize (head: Buffer): ImageSize | null {
  const chunk = head.toString('latin1', 12, 16)
  if (chunk === 'VP8X') return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) }
  if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff }
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21)
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) }
  }
  return null
}

function jpegSize (data: string): ImageSize | null {
  let offset = 2
  for (let i = 0; i < MAX_JPEG_SEGMENTS; i++) {
    const marker = bytesAt(data, offset, 9)
    if (marker === null || marker.length < 4 || marker[0] !== 0xff) return null
    const type = marker[1] ?? 0
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (type >= 0xc0 && type <= 0xcf && type !== 0xc4 && type !== 0xc8 && type !== 0xcc) {
      return marker.length >= 9 ? { width: marker.readUInt16BE(7), height: marker.readUInt16BE(5) } : null
    }
    offset += 2 + marker.readUInt16BE(2)
  }
  return null
}

/** Decodes `length` bytes at byte `offset` of base64 `data`, touching only the 4-char groups needed. */
function bytesAt (data: string, offset: number, length: number): Buffer | null {
  const start = Math.floor(offset / 3) * 4
  if (start >= data.length) return null
  const end = Math.ceil((offset + length) / 3) * 4
  const decoded = Buffer.from(data.slice(start, end), 'base64')
  return decoded.subarray(offset % 3, (offset % 3) + length)
}
