-- Seed data: 5,000 products with predictable ids (1..5000), names, prices and stock, so demos,
-- tests and benchmarks can name products without looking them up. The simulated price service
-- uses the same list-price formula (services/data.ts).

INSERT INTO products (id, name, description, list_price, stock)
SELECT i,
       'Product ' || i,
       'A fine product, number ' || i || ' of the catalog. ' || repeat('Sturdy, useful, and on sale. ', 1 + i % 4),
       5.99 + (i * 37) % 500,
       10 + (i * 13) % 200
FROM generate_series(1, 5000) AS i;
