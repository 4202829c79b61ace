-- The shop's tables. Applied once by the corral master at startup (forward-only: add a file, never edit this one).

CREATE TABLE products (
  id          bigint PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL,
  list_price  numeric(10, 2) NOT NULL CHECK (list_price >= 0),
  -- The source of truth for stock. Orders take from it with one conditional UPDATE; the CHECK is a
  -- last line of defence should any other statement try to oversell.
  stock       integer NOT NULL CHECK (stock >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id          bigint NOT NULL REFERENCES products (id),
  quantity            integer NOT NULL CHECK (quantity > 0),
  unit_price          numeric(10, 2) NOT NULL,
  -- The client's Idempotency-Key. UNIQUE is what makes a retried or duplicated request unable to
  -- buy twice: the second insert fails, and with it the whole statement that took the stock.
  idempotency_key     text UNIQUE,
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
  confirmation_job_id bigint,
  created_at          timestamptz NOT NULL DEFAULT now(),
  confirmed_at        timestamptz
);

CREATE INDEX orders_by_product ON orders (product_id);
