/**
 * The SST platform globals `sst.config.ts` and `stacks/` use, declared for the type checker.
 *
 * A real `sst install` generates `.sst/platform/config.d.ts`, which declares every SST component,
 * `$config`, `$app`, `$interpolate` and the Pulumi providers (`aws.*`). It cannot run here (it
 * downloads SST's platform and the providers), so this file stands in for the subset used: the
 * same global names, with argument types transcribed from SST's documented signatures
 * (sst.dev/docs/component/aws/{function,apigatewayv2,cron,bucket}, /docs/component/secret,
 * /docs/reference/config and /docs/reference/global) and, for `aws.*`, from Pulumi AWS v7 (the
 * provider SST v4 uses). Only the options this repository passes or reads are declared; the rest
 * of each documented signature is left out rather than guessed. `test/fixtures/sst/globals.ts`
 * implements these declarations to record what the config declares.
 *
 * With `.sst/platform/config.d.ts` present, reference it from `sst.config.ts` and drop this file
 * from the TypeScript project: both declare the same globals.
 */

/** Pulumi's `Output`/`Input` (SST exposes `@pulumi/pulumi` as `$util`). */
declare namespace $util {
  interface Output<T> {
    apply<U>(func: (value: T) => Input<U>): Output<U>;
  }
  type Input<T> = T | Promise<T> | Output<T>;
  interface CustomResourceOptions {
    dependsOn?: Input<Input<unknown>[]> | Input<unknown>;
    parent?: unknown;
    protect?: boolean;
    retainOnDelete?: boolean;
  }
  type ComponentResourceOptions = CustomResourceOptions;
}

/** Shapes shared by the declarations below; not globals of SST. */
declare namespace SstPlatform {
  /** `sst.config.ts`'s `app()` result (SST's `App`). */
  interface App {
    name: string;
    version?: string;
    removal?: "remove" | "retain" | "retain-all";
    protect?: boolean;
    home: "aws" | "cloudflare" | "local";
    providers?: Record<string, any>;
  }
  interface AppInput {
    stage: string;
  }
  /** What `$config` takes (SST's `Config`, without the Console `console` block). */
  interface Config {
    app(input: AppInput): App;
    run(): Promise<Record<string, any> | void>;
  }
  /** SST's `Transform<T>`: partial args merged in, or a callback that edits them in place. */
  type Transform<T> = Partial<T> | ((args: T, opts: $util.CustomResourceOptions, name: string) => undefined);
  type Duration = `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours" | "day" | "days"}`;
  type DurationMinutes = `${number} ${"second" | "seconds" | "minute" | "minutes"}`;
  type DurationDays = `${number} ${"day" | "days"}`;
  type Size = `${number} ${"MB" | "GB"}`;
  type FunctionArn = `arn:${string}`;
  // Inside `sst`, `aws` names `sst.aws`: these aliases reach the provider's namespace.
  type BucketLifecycleConfigurationArgs = aws.s3.BucketLifecycleConfigurationArgs;
  type BucketPublicAccessBlockArgs = aws.s3.BucketPublicAccessBlockArgs;
}

declare function $config(input: SstPlatform.Config): SstPlatform.Config;

/** The running app: `app()`'s result with the stage it runs in. */
declare const $app: Readonly<{
  name: string;
  stage: string;
  removal: "remove" | "retain" | "retain-all";
  protect: boolean;
  providers: Record<string, any> | undefined;
}>;

/** Whether this is `sst dev` (functions are live stubs) rather than `sst deploy`. */
declare const $dev: boolean;

/** A template literal over Outputs: `$interpolate\`${api.url}/webhooks\``. */
declare function $interpolate(literals: TemplateStringsArray, ...placeholders: unknown[]): $util.Output<string>;

declare namespace sst {
  /** `sst secret set <name> <value>` stores it; linking it exposes `Resource.<name>.value`. */
  class Secret {
    constructor(name: string, placeholder?: $util.Input<string>);
    readonly name: $util.Output<string>;
    readonly value: $util.Output<string>;
    readonly placeholder: $util.Output<string> | undefined;
  }

  namespace aws {
    interface FunctionArgs {
      handler: $util.Input<string>;
      name?: $util.Input<string>;
      description?: $util.Input<string>;
      runtime?: $util.Input<"nodejs18.x" | "nodejs20.x" | "nodejs22.x" | "nodejs24.x" | "go" | "rust" | "provided.al2" | "provided.al2023" | "python3.9" | "python3.10" | "python3.11" | "python3.12" | "python3.13">;
      architecture?: $util.Input<"x86_64" | "arm64">;
      /** Between 128 MB and 10240 MB; default 1024 MB. */
      memory?: $util.Input<SstPlatform.Size>;
      /** Between 1 second and 15 minutes; default 20 seconds (API Gateway stops waiting at 30). */
      timeout?: $util.Input<SstPlatform.DurationMinutes>;
      environment?: $util.Input<Record<string, $util.Input<string>>>;
      link?: $util.Input<any[]>;
      /** Async-invocation retries, 0 to 2; default 2. */
      retries?: $util.Input<number>;
      logging?: $util.Input<false | { retention?: $util.Input<string>; format?: $util.Input<"text" | "json"> }>;
      /** A Lambda function URL: a public endpoint unless `authorization: "iam"`. */
      url?: $util.Input<boolean | { authorization?: $util.Input<"none" | "iam">; cors?: $util.Input<boolean | Record<string, unknown>> }>;
      nodejs?: $util.Input<{ install?: $util.Input<string[]>; minify?: $util.Input<boolean>; format?: $util.Input<"cjs" | "esm">; sourcemap?: $util.Input<boolean> }>;
    }

    class Function {
      constructor(name: string, args: FunctionArgs, opts?: $util.ComponentResourceOptions);
      readonly name: $util.Output<string>;
      readonly arn: $util.Output<string>;
      readonly url: $util.Output<string>;
    }

    interface ApiGatewayV2CorsArgs {
      allowCredentials?: $util.Input<boolean>;
      allowHeaders?: $util.Input<$util.Input<string>[]>;
      allowOrigins?: $util.Input<$util.Input<string>[]>;
      allowMethods?: $util.Input<$util.Input<"*" | "DELETE" | "GET" | "HEAD" | "OPTIONS" | "PATCH" | "POST" | "PUT">[]>;
      exposeHeaders?: $util.Input<$util.Input<string>[]>;
      maxAge?: $util.Input<SstPlatform.Duration>;
    }

    interface ApiGatewayV2Args {
      /** Linked to every route, merged with each route's own links. */
      link?: FunctionArgs["link"];
      domain?: $util.Input<string | { name?: $util.Input<string>; path?: $util.Input<string> }>;
      /** Default `true` (any origin, header and method). */
      cors?: $util.Input<boolean | ApiGatewayV2CorsArgs>;
      accessLog?: $util.Input<{ retention?: $util.Input<string> }>;
    }

    interface ApiGatewayV2RouteArgs {
      /** Gateway-level auth; default `false` (the handler decides). */
      auth?: $util.Input<false | { iam?: $util.Input<boolean>; jwt?: $util.Input<{ authorizer: $util.Input<string>; scopes?: $util.Input<$util.Input<string>[]> }>; lambda?: $util.Input<string> }>;
    }

    /** What `route()` returns; its members (`nodes`) are not used here. */
    class ApiGatewayV2LambdaRoute {}

    class ApiGatewayV2 {
      constructor(name: string, args?: ApiGatewayV2Args, opts?: $util.ComponentResourceOptions);
      /** The custom domain's URL when one is set, else the generated `execute-api` URL. */
      readonly url: $util.Output<string>;
      /** `rawRoute` is `"{METHOD} /{path}"` (or `$default`); `handler` a handler path or the function's args. */
      route(rawRoute: string, handler: $util.Input<string | FunctionArgs | SstPlatform.FunctionArn>, args?: ApiGatewayV2RouteArgs): ApiGatewayV2LambdaRoute;
    }

    interface CronArgs {
      function?: $util.Input<string | FunctionArgs | SstPlatform.FunctionArn>;
      /** `rate(…)`, `cron(m h dom mon dow y)` or `at(…)`, evaluated in `timezone` (default UTC). */
      schedule: $util.Input<`rate(${string})` | `cron(${string})` | `at(${string})`>;
      timezone?: $util.Input<string>;
      enabled?: $util.Input<boolean>;
      event?: $util.Input<Record<string, $util.Input<string>>>;
    }

    class Cron {
      constructor(name: string, args: CronArgs, opts?: $util.ComponentResourceOptions);
    }

    interface BucketCorsArgs {
      allowHeaders?: $util.Input<$util.Input<string>[]>;
      allowOrigins?: $util.Input<$util.Input<string>[]>;
      allowMethods?: $util.Input<$util.Input<"DELETE" | "GET" | "HEAD" | "POST" | "PUT">[]>;
      exposeHeaders?: $util.Input<$util.Input<string>[]>;
      maxAge?: $util.Input<SstPlatform.Duration>;
    }

    interface BucketLifecycleArgs {
      id?: $util.Input<string>;
      prefix?: $util.Input<string>;
      enabled?: $util.Input<boolean>;
      expiresIn?: $util.Input<SstPlatform.DurationDays>;
      expiresAt?: $util.Input<string>;
    }

    interface BucketArgs {
      /** Public read (`public`) or CloudFront-only read; default none: the bucket is private. */
      access?: $util.Input<"public" | "cloudfront">;
      /** Deny non-TLS requests in the bucket policy; default `true`. */
      enforceHttps?: $util.Input<boolean>;
      /** Default `true` (any origin, every method). */
      cors?: $util.Input<false | BucketCorsArgs>;
      versioning?: $util.Input<boolean>;
      /** Default server-side encryption with S3-managed keys (AES256). */
      encryption?: boolean;
      /** Expires current object versions only. */
      lifecycle?: $util.Input<$util.Input<BucketLifecycleArgs>[]>;
      transform?: {
        lifecycle?: SstPlatform.Transform<SstPlatform.BucketLifecycleConfigurationArgs>;
        /** `false` removes the public access block SST creates. */
        publicAccessBlock?: SstPlatform.Transform<SstPlatform.BucketPublicAccessBlockArgs> | false;
      };
    }

    class Bucket {
      constructor(name: string, args?: BucketArgs, opts?: $util.ComponentResourceOptions);
      readonly name: $util.Output<string>;
      readonly arn: $util.Output<string>;
      readonly domain: $util.Output<string>;
    }
  }
}

/** The Pulumi AWS provider (v7), as SST exposes it. */
declare namespace aws {
  namespace lambda {
    interface InvocationArgs {
      functionName: $util.Input<string>;
      /** JSON passed to the function. */
      input: $util.Input<string>;
      qualifier?: $util.Input<string>;
      /** `CREATE_ONLY` (default) or `CRUD`. */
      lifecycleScope?: $util.Input<string>;
      /** A change to any value re-invokes the function (RequestResponse); an error fails the deploy. */
      triggers?: $util.Input<Record<string, $util.Input<string>>>;
    }
    class Invocation {
      constructor(name: string, args: InvocationArgs, opts?: $util.CustomResourceOptions);
      readonly result: $util.Output<string>;
    }
  }

  namespace s3 {
    interface BucketLifecycleConfigurationRule {
      id: $util.Input<string>;
      status: $util.Input<string>;
      filter?: $util.Input<{ prefix?: $util.Input<string> }>;
      expiration?: $util.Input<{ days?: $util.Input<number>; date?: $util.Input<string>; expiredObjectDeleteMarker?: $util.Input<boolean> }>;
      noncurrentVersionExpiration?: $util.Input<{ noncurrentDays: $util.Input<number>; newerNoncurrentVersions?: $util.Input<number> }>;
      abortIncompleteMultipartUpload?: $util.Input<{ daysAfterInitiation?: $util.Input<number> }>;
    }
    interface BucketLifecycleConfigurationArgs {
      bucket: $util.Input<string>;
      rules?: $util.Input<$util.Input<BucketLifecycleConfigurationRule>[]>;
    }
    interface BucketPublicAccessBlockArgs {
      bucket: $util.Input<string>;
      blockPublicAcls?: $util.Input<boolean>;
      blockPublicPolicy?: $util.Input<boolean>;
      ignorePublicAcls?: $util.Input<boolean>;
      restrictPublicBuckets?: $util.Input<boolean>;
    }
  }
}
