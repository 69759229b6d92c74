import { ArgsType, Field, Int } from 'type-graphql';

import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type PageArgs as PageArgsShape,
} from '../../services/page';

/** `first` and `after` of every Relay connection field. */
@ArgsType()
export class PageArgs implements PageArgsShape {
  @Field(() => Int, {
    nullable: true,
    description: `Page size: ${DEFAULT_PAGE_SIZE} by default, at most ${MAX_PAGE_SIZE}.`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item already seen; the page starts after it.',
  })
  after?: string | null;
}
