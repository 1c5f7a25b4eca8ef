// QR codes for invites: drawing one (qrcode-generator, as an SVG path) and reading one from a camera
// frame or a photo (BarcodeDetector where the browser has it, jsQR otherwise). A camera frame and a
// photo both become ImageData and go through decodeImageData, so both paths read codes the same way.
// jsQR is large (about 46 KB gzipped) and only a scan needs it: it is imported when first used, so
// the build puts it in a chunk of its own (precached by the service worker, so scanning works offline).

import qrcode from 'qrcode-generator';

/** {size, path}: the modules of a QR code for `text` as one SVG path (1 unit a module, 4-unit quiet zone). */
export function qrPath(text) {
  const qr = qrcode(0, 'M');
  // Invite text uses only QR alphanumeric characters (spec §11.3), which keeps the code small.
  qr.addData(text, /^[0-9A-Z $%*+\-./:]*$/.test(text) ? 'Alphanumeric' : 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4;
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return { size: count + 2 * quiet, path };
}

let jsQRModule;
/** jsQR, fetched once (from the service worker's cache when offline). */
const loadJsQR = () => {
  jsQRModule ??= import('jsqr').then((module) => module.default).catch((error) => {
    jsQRModule = undefined; // let a later scan try again
    throw error;
  });
  return jsQRModule;
};

let detector;
async function nativeDetector() {
  if (detector !== undefined) return detector;
  detector = null;
  try {
    if ('BarcodeDetector' in globalThis) {
      const formats = await globalThis.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
    }
  } catch {
    detector = null;
  }
  return detector;
}

/** The text of the first QR code in `imageData`, or null. */
export async function decodeImageData(imageData) {
  const native = await nativeDetector();
  if (native) {
    try {
      const found = await native.detect(imageData);
      if (found.length) return found[0].rawValue;
    } catch {
      /* fall back to jsQR */
    }
  }
  const jsQR = await loadJsQR();
  const found = jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: 'dontInvert' });
  return found ? found.data : null;
}

/** Draw a video frame or an image onto a canvas and read its pixels. */
export function pixelsOf(source, width, height, canvas = document.createElement('canvas')) {
  const scale = Math.min(1, 1024 / Math.max(width, height));
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** The text of the QR code in a photo (a File or Blob), or null. */
export async function decodeImageFile(blob) {
  const bitmap = await createImageBitmap(blob);
  try {
    return await decodeImageData(pixelsOf(bitmap, bitmap.width, bitmap.height));
  } finally {
    bitmap.close?.();
  }
}

/**
 * Scan the camera into `video` until a QR code is read: resolves with its text. Returns
 * {result: Promise<string>, stop()}; the camera is switched off when a code is found or on stop().
 */
export async function scanCamera(video) {
  loadJsQR().catch(() => {}); // start fetching the decoder while the camera starts
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  await video.play();
  const canvas = document.createElement('canvas');
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const result = (async () => {
    while (!stopped) {
      if (video.videoWidth) {
        const text = await decodeImageData(pixelsOf(video, video.videoWidth, video.videoHeight, canvas));
        if (text) {
          stop();
          return text;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return null;
  })();
  return { result, stop };
}
