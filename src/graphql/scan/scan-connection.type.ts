import { Field, Int, ObjectType } from 'type-graphql';

import { PageInfo } from '../common/page-info.type';
import { ScanEdge } from './scan-edge.type';

@ObjectType({ description: 'A page of scans, newest first.' })
export class ScanConnection {
  @Field(() => [ScanEdge])
  edges!: ScanEdge[];
  @Field(() => PageInfo)
  pageInfo!: PageInfo;
  @Field(() => Int)
  totalCount!: number;
}
