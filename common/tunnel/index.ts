// The public face of common/tunnel: the frames and the gRPC method of the stream tunnel
// that nodes dial when the server asks over MQTT (DESIGN §5, last bullet).
export { CHANNEL_BYTES, dataFrames, decodeFrame, encodeFrame, FrameError, MAX_FRAME_DATA, terminalSize, type DataChannel, type TerminalSize, type TunnelFrame } from './frames.ts';
export { basicAuthorization, STREAM_ID_KEY, TUNNEL_KEEPALIVE, TUNNEL_METHOD, TUNNEL_SERVICE } from './service.ts';
