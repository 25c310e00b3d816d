-- lib/billing's SQL: what the Prisma schema cannot express, in its current version, for an app that
-- copies lib/billing (the StripeEvent table comes from the app's own migration). Apply it after that
-- migration:
--   npx tsx lib/db/sql-file.ts lib/billing/sql/billing.sql     (in Shipshape: npm run db:sql-file -- …)
-- Running it again changes nothing. In this repository the stripe_event_minimized migration is the
-- source of truth (it also scrubs the rows stored before it). Why: decision 0040.
--
-- A StripeEvent keeps only what the billing logic (lib/billing/effects.ts), billing:replay and the
-- data export read: ids, type, dates, statuses, prices and amounts. Stripe's payloads also carry the
-- customer's name, email, address, phone, tax ids and card details: those never land here. The
-- webhook (lib/billing/events.ts) inserts stripe_event_minimized(payload). An allow-list: a field
-- Stripe adds tomorrow is dropped until someone adds it here.

-- The id of an expandable field: the object's id when expanded, the string itself otherwise.
CREATE OR REPLACE FUNCTION stripe_id_of(p_value jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(p_value) WHEN 'object' THEN p_value -> 'id' ELSE p_value END
$$;

-- What is kept of the event's data.object, by its "object" type. Anything else keeps id, object, created.
CREATE OR REPLACE FUNCTION stripe_object_minimized(o jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_strip_nulls(
    jsonb_build_object('id', o -> 'id', 'object', o -> 'object', 'created', o -> 'created')
    || CASE o ->> 'object'
      WHEN 'checkout.session' THEN jsonb_build_object(
        'mode', o -> 'mode',
        'status', o -> 'status',
        'payment_status', o -> 'payment_status',
        'customer', stripe_id_of(o -> 'customer'),
        'subscription', stripe_id_of(o -> 'subscription'),
        'invoice', stripe_id_of(o -> 'invoice'),
        'client_reference_id', o -> 'client_reference_id',
        'amount_total', o -> 'amount_total',
        'currency', o -> 'currency',
        'metadata', jsonb_build_object('orgId', o #> '{metadata,orgId}'))
      WHEN 'subscription' THEN jsonb_build_object(
        'customer', stripe_id_of(o -> 'customer'),
        'status', o -> 'status',
        'trial_end', o -> 'trial_end',
        'cancel_at_period_end', o -> 'cancel_at_period_end',
        'cancel_at', o -> 'cancel_at',
        'canceled_at', o -> 'canceled_at',
        'current_period_start', o -> 'current_period_start',
        'current_period_end', o -> 'current_period_end',
        'currency', o -> 'currency',
        'metadata', jsonb_build_object('orgId', o #> '{metadata,orgId}'),
        'items', jsonb_build_object('object', 'list', 'data', (
          SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
            'id', item -> 'id',
            'quantity', item -> 'quantity',
            'current_period_start', item -> 'current_period_start',
            'current_period_end', item -> 'current_period_end',
            'price', jsonb_build_object(
              'id', item #> '{price,id}',
              'unit_amount', item #> '{price,unit_amount}',
              'currency', item #> '{price,currency}',
              'recurring', jsonb_build_object('interval', item #> '{price,recurring,interval}'))))), '[]'::jsonb)
          FROM jsonb_array_elements(
            CASE WHEN jsonb_typeof(o #> '{items,data}') = 'array' THEN o #> '{items,data}' ELSE '[]'::jsonb END
          ) AS item)))
      WHEN 'invoice' THEN jsonb_build_object(
        'customer', stripe_id_of(o -> 'customer'),
        'number', o -> 'number',
        'status', o -> 'status',
        'billing_reason', o -> 'billing_reason',
        'currency', o -> 'currency',
        'total', o -> 'total',
        'subtotal', o -> 'subtotal',
        'amount_due', o -> 'amount_due',
        'amount_paid', o -> 'amount_paid',
        'amount_remaining', o -> 'amount_remaining',
        'attempt_count', o -> 'attempt_count',
        'period_start', o -> 'period_start',
        'period_end', o -> 'period_end',
        'subscription', stripe_id_of(o -> 'subscription'),
        'parent', jsonb_build_object('subscription_details', jsonb_build_object(
          'subscription', stripe_id_of(o #> '{parent,subscription_details,subscription}'))))
      WHEN 'charge' THEN jsonb_build_object(
        'customer', stripe_id_of(o -> 'customer'),
        'status', o -> 'status',
        'amount', o -> 'amount',
        'amount_refunded', o -> 'amount_refunded',
        'currency', o -> 'currency',
        'refunded', o -> 'refunded',
        'invoice', stripe_id_of(o -> 'invoice'),
        'payment_intent', stripe_id_of(o -> 'payment_intent'))
      WHEN 'customer' THEN jsonb_build_object('deleted', o -> 'deleted')
      ELSE '{}'::jsonb
    END)
$$;

-- The stored form of a Stripe event: its envelope (no request, no previous_attributes: those can
-- hold the old values of personal fields) and the minimized object.
CREATE OR REPLACE FUNCTION stripe_event_minimized(p_event jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'id', p_event -> 'id',
    'object', p_event -> 'object',
    'type', p_event -> 'type',
    'created', p_event -> 'created',
    'livemode', p_event -> 'livemode',
    'api_version', p_event -> 'api_version',
    'data', jsonb_build_object('object', stripe_object_minimized(p_event #> '{data,object}'))))
$$;
