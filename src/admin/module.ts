import type { HttpModule } from '../http/module.ts';
import type { Logger } from '../infra/logger.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import { adminRoutes } from './routes.ts';
import { AdminService } from './service.ts';

export interface AdminModule extends HttpModule {
  readonly service: AdminService;
}

/** The admin area: token buckets and telemetry, as one registration. */
export function createAdminModule(deps: { rateLimiter: RateLimiter; logger: Logger }): AdminModule {
  const service = new AdminService({
    rateLimiter: deps.rateLimiter,
    logger: deps.logger.child({ component: 'admin' }),
  });
  return { name: 'admin', service, plugin: adminRoutes(service) };
}
