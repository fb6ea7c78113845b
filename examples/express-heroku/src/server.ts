import { esper } from '@esper/express';
import express from 'express';

const app = express();

// Reads ESPER_API_KEY and ESPER_API_SECRET (Heroku config vars) now, so a missing one fails the
// deploy at boot instead of on the first request. Before your routes: it decides for all of them.
const protect = esper();
app.use(protect);

app.get('/', (req, res) => {
  // Only allowed requests get here (every request, in monitor mode).
  res.json({ hello: 'world', decision: req.esper?.action, decisionId: req.esper?.decisionId });
});

// Heroku sets PORT; 3000 for local runs.
const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : address;
  console.log(`listening on http://localhost:${port}`);
});

// Heroku sends SIGTERM on every restart and deploy: finish in-flight requests, then close the
// keep-alive connections to the Esper runtime so the process can exit.
process.on('SIGTERM', () => {
  server.close(() => void protect.close());
});
