import type { paths } from './schema';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type Post = Json<paths['/api/posts/{id}']['get']['responses'][200]>;
export type PostPage = Json<paths['/api/posts']['get']['responses'][200]>;
export type Delivery = Post['deliveries'][number];
export type PostStatus = Post['status'];
export type DeliveryStatus = Delivery['status'];
export type CreatePost = NonNullable<paths['/api/posts']['post']['requestBody']>['content']['application/json'];
export type Account = Json<paths['/api/accounts/{id}']['get']['responses'][200]>;
export type AccountHealthReport = Json<paths['/api/accounts/health-check']['get']['responses'][200]>;
export type DeliveryDetail = Json<paths['/api/deliveries/{id}']['get']['responses'][200]>;
export type ErrorLogs = Json<paths['/api/error-logs']['get']['responses'][200]>;
export type StartPosting = Json<paths['/api/posts/start-posting']['post']['responses'][202]>;
export type Media = Json<paths['/api/media']['post']['responses'][201]>;
