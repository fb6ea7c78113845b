import type { Route } from './+types/page';

export function loader({ params }: Route.LoaderArgs) {
  return { page: params['*'] };
}

export default function Page({ loaderData }: Route.ComponentProps) {
  return <p>Page {loaderData.page}</p>;
}
