import type { Tracer } from '@opentelemetry/api';
import type { Activity, Model } from './model.js';

/** services/search_activities.py */
export function searchActivities(tracer: Tracer, searchTerm: string | undefined): Model<Activity[]> {
  return tracer.startActiveSpan('search-activities', (span) => {
    try {
      const model: Model<Activity[]> = { errors: null, data: null };
      const now = new Date();
      span.setAttribute('app.now', now.toISOString());
      if (searchTerm === undefined || searchTerm.length < 1) {
        model.errors = ['search_term_blank'];
      } else {
        span.setAttribute('search.term', searchTerm);
        const results: Activity[] = [{
          uuid: '248959df-3079-4947-b847-9e0892d1bab4',
          handle: 'Andrew Brown',
          message: 'Cloud is fun!',
          created_at: now.toISOString(),
        }];
        model.data = results;
        span.setAttribute('app.result_length', results.length);
      }
      return model;
    } finally {
      span.end();
    }
  });
}
