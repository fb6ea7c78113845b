// The application `esper capture run` is put in front of: a plain Node server with no Esper
// SDK in it (the kind of application that cannot be changed). It answers the demo's routes:
// articles, a login form, a favicon. PORT=0: any free port, printed like the examples do.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  req.resume();
  req.once('end', () => {
    if (path === '/favicon.ico') {
      res.writeHead(200, { 'content-type': 'image/x-icon' }).end(Buffer.alloc(64));
    } else if (path === '/login' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>signed in</p>');
    } else if (/^\/articles\/\d+$/.test(path) || path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${path}</h1>`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
