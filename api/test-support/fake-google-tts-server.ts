import { protos } from '@google-cloud/text-to-speech';
import { grpc } from 'google-gax';
import { encodeWav } from '../src/adapters/audio/wav';

const messages = protos.google.cloud.texttospeech.v1beta1;
type Request = protos.google.cloud.texttospeech.v1beta1.ISynthesizeSpeechRequest;

export interface FakeGoogleTts {
  /** Pass as `apiEndpoint`/`port` with `sslCreds: credentials` to a `v1beta1.TextToSpeechClient`. */
  host: string;
  port: number;
  credentials: grpc.ChannelCredentials;
  requests: Request[];
  /** Answer the next calls with this gRPC status instead of audio (`null`: audio again). */
  failWith(status: grpc.status | null): void;
  /** Hold each answer this long (to test cancellation). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const SERVICE = '/google.cloud.texttospeech.v1beta1.TextToSpeech/';
const MS_PER_WORD = 300;

/**
 * A local gRPC server speaking Google Cloud TTS's v1beta1 `SynthesizeSpeech` with the SDK's own protobuf
 * messages: it answers LINEAR16 (a WAV file, as Google does) with a tone of 300 ms per word and one time
 * point per `<mark>` in the SSML, the n-th mark at n × 300 ms.
 */
export async function startFakeGoogleTts(): Promise<FakeGoogleTts> {
  const requests: Request[] = [];
  let failure: grpc.status | null = null;
  let delayMs = 0;
  const server = new grpc.Server();
  server.addService(
    {
      SynthesizeSpeech: {
        path: `${SERVICE}SynthesizeSpeech`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Request) =>
          Buffer.from(messages.SynthesizeSpeechRequest.encode(value).finish()),
        requestDeserialize: (bytes: Buffer) =>
          messages.SynthesizeSpeechRequest.toObject(messages.SynthesizeSpeechRequest.decode(bytes), {
            enums: String,
          }),
        responseSerialize: (value: protos.google.cloud.texttospeech.v1beta1.ISynthesizeSpeechResponse) =>
          Buffer.from(messages.SynthesizeSpeechResponse.encode(value).finish()),
        responseDeserialize: (bytes: Buffer) => messages.SynthesizeSpeechResponse.decode(bytes),
      },
    },
    {
      SynthesizeSpeech: (
        call: grpc.ServerUnaryCall<Request, unknown>,
        callback: grpc.sendUnaryData<protos.google.cloud.texttospeech.v1beta1.ISynthesizeSpeechResponse>,
      ) => {
        requests.push(call.request);
        if (delayMs > 0) {
          const timer = setTimeout(() => answer(call, callback), delayMs);
          call.on('cancelled', () => clearTimeout(timer));
        } else {
          answer(call, callback);
        }
      },
    },
  );
  function answer(
    call: grpc.ServerUnaryCall<Request, unknown>,
    callback: grpc.sendUnaryData<protos.google.cloud.texttospeech.v1beta1.ISynthesizeSpeechResponse>,
  ): void {
    if (failure !== null) {
      callback({ code: failure, details: 'scripted failure' });
      return;
    }
    const marks = [...(call.request.input?.ssml ?? '').matchAll(/<mark name="([^"]+)"\/>/g)].map(
      (m) => m[1]!,
    );
    const sampleRate = call.request.audioConfig?.sampleRateHertz || 24_000;
    callback(null, {
      audioContent: encodeWav({
        samples: tone(Math.round((sampleRate * MS_PER_WORD * marks.length) / 1000), sampleRate),
        sampleRate,
      }),
      timepoints: marks.map((markName, i) => ({ markName, timeSeconds: (i * MS_PER_WORD) / 1000 })),
    });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    host: '127.0.0.1',
    port,
    credentials: grpc.credentials.createInsecure(),
    requests,
    failWith(status) {
      failure = status;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

function tone(count: number, sampleRate: number): Int16Array {
  return Int16Array.from({ length: count }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * 180 * i) / sampleRate)),
  );
}
