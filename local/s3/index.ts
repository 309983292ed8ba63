export { startS3Server, S3RVER_CREDENTIALS, type S3Server, type S3ServerOptions } from "./server.ts";
