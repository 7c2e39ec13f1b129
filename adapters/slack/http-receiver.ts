import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions as http,
  type App,
  type BufferedIncomingMessage,
  type CustomRoute,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { closeServer, findRoute, listen } from '../../src/http/server.ts';
import type { Logger } from '../../src/logger.ts';
import { AfterAcks, AckGate } from './after-acks.ts';
import { boltLogger } from './bolt-logger.ts';
import { guardSlackRequests, type GuardedRequest, type SlackRequestGuardOptions } from './request-guard.ts';

/** A verified slash command's form fields, as Slack sends them. */
export type SlashCommandBody = Record<string, string | undefined> & { command: string };

/** Sends the HTTP answer of one request; the first call wins. */
export type AckResponder = (body?: string | Record<string, unknown>) => void;

export interface SlackHttpReceiverOptions {
  guard: Omit<SlackRequestGuardOptions, 'gate'>;
  logger: Logger;
  /** Extra routes served on the same port, matched by exact path and method. */
  routes?: CustomRoute[];
  /**
   * Acknowledges a slash command before Bolt dispatches it, with the receipt of the request (see
   * the guard). What it returns reaches the listener as `context.acceptedFirst`.
   */
  acceptCommand?: (body: SlashCommandBody, ack: AckResponder, receipt: Promise<boolean> | undefined) => Promise<unknown>;
  /** How long an event may go unacknowledged before it is answered 404 and logged (Bolt: 3001 ms). */
  unackedTimeoutMs?: number;
}

/** Serves Bolt custom routes (exact path and method; no path parameters); 404 for anything else. */
export function customRoutesListener(routes: CustomRoute[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const route = findRoute(routes, req);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route.handler(Object.assign(req, { params: {} }), res);
  };
}

/**
 * Bolt's HTTP mode on /slack/events. Every request passes the signature and replay guard first.
 * A slash command is then validated, role-checked and acknowledged here, and dispatched to
 * Bolt's listeners only after the acks still pending have gone out: a burst of 200 commands is
 * answered at the speed of the HTTP server, and Bolt's middleware runs after. The ssl_check probe
 * and url_verification are answered here; everything else (buttons, events) goes through Bolt's
 * processEvent at once and is acknowledged by its listener.
 */
export class SlackHttpReceiver implements Receiver {
  readonly gate = new AckGate();
  readonly afterAcks = new AfterAcks(this.gate);
  readonly requestListener: (req: IncomingMessage, res: ServerResponse) => void;
  #app: App | undefined;
  #server: Server | undefined;
  /** Commands acknowledged here and not yet handed to Bolt's listener. */
  readonly #dispatching = new Set<Promise<void>>();
  readonly #boltLog: ReturnType<typeof boltLogger>;

  constructor(private readonly options: SlackHttpReceiverOptions) {
    this.#boltLog = boltLogger(options.logger);
    const guarded = guardSlackRequests((req, res) => this.#dispatch(req as GuardedRequest, res), { ...options.guard, gate: this.gate });
    const custom = customRoutesListener(options.routes ?? []);
    this.requestListener = (req, res) => {
      if ((req.url ?? '/').split('?')[0] === '/slack/events' && req.method === 'POST') return guarded(req, res);
      custom(req, res);
    };
  }

  init(app: App): void {
    this.#app = app;
  }

  /** Called by App.start({ port, host }). */
  async start({ port, host }: { port: number; host?: string }): Promise<Server> {
    const server = createServer(this.requestListener);
    await listen(server, port, host);
    this.#server = server;
    return server;
  }

  /** Resolves when every command acknowledged so far has reached its listener. */
  async idle(): Promise<void> {
    while (this.#dispatching.size) await Promise.all([...this.#dispatching]);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await closeServer(server);
  }

  #dispatch(req: GuardedRequest, res: ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = http.parseHTTPRequestBody(req as BufferedIncomingMessage);
    } catch {
      this.options.logger.warn('slack: malformed request body');
      res.writeHead(400).end();
      return;
    }
    if (body.ssl_check === '1') {
      res.writeHead(200).end();
      return;
    }
    if (body.type === 'url_verification') {
      http.buildUrlVerificationResponse(res, body);
      return;
    }
    const ack = this.#responder(res);
    const event: ReceiverEvent = {
      body,
      ack: async (response?: string | Record<string, unknown>) => ack(response),
      retryNum: http.extractRetryNumFromHTTPRequest(req),
      retryReason: http.extractRetryReasonFromHTTPRequest(req),
      customProperties: req.slackReceipt ? { slackReceipt: req.slackReceipt } : {},
    };
    const acceptCommand = this.options.acceptCommand;
    if (acceptCommand && typeof body.command === 'string') {
      const dispatched = acceptCommand(body as SlashCommandBody, ack, req.slackReceipt).then(
        (accepted) => {
          // refused in the ack: nothing to run
          if (accepted === undefined) return;
          return new Promise<void>((resolve) =>
            this.afterAcks.run(
              () =>
                void this.#process(
                  { ...event, ack: async () => {}, customProperties: { ...event.customProperties, acceptedFirst: accepted } },
                  res,
                ).then(resolve),
            ),
          );
        },
        (error: unknown) => this.#failed(error, res),
      );
      this.#dispatching.add(dispatched);
      void dispatched.finally(() => this.#dispatching.delete(dispatched));
      return;
    }
    void this.#process(event, res);
  }

  async #process(event: ReceiverEvent, res: ServerResponse): Promise<void> {
    if (!this.#app) throw new Error('SlackHttpReceiver: init(app) was not called');
    try {
      await this.#app.processEvent(event);
    } catch (error) {
      this.#failed(error, res);
    }
  }

  /** An error before the ack answers 401 (authorization) or 500, as Bolt's receiver does; after it, it is logged. */
  #failed(error: unknown, res: ServerResponse): void {
    if (res.headersSent) {
      this.options.logger.error({ err: error }, 'slack: an error after the ack');
      return;
    }
    void http.defaultProcessEventErrorHandler({
      error: error as Error,
      logger: this.#boltLog,
      request: res.req,
      response: res,
      storedResponse: undefined,
    });
  }

  /** The request's one answer, with Bolt's timeout for events nobody acknowledged. */
  #responder(res: ServerResponse): AckResponder {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      http.defaultUnhandledRequestHandler({ logger: this.#boltLog, request: res.req, response: res });
    }, this.options.unackedTimeoutMs ?? 3001);
    timer.unref();
    return (body) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      http.buildContentResponse(res, body);
    };
  }
}
