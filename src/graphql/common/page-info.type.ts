import { Field, ObjectType } from 'type-graphql';

import type { PageInfo as PageInfoShape } from '../../services/page';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo implements PageInfoShape {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}
