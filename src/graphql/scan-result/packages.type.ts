import { Field, Int, ObjectType } from 'type-graphql';

import { Package } from './package.type';

@ObjectType({ description: 'Installed packages, from the host package manager.' })
export class Packages {
  @Field(() => String, { description: 'dpkg, rpm, apk or pacman.' })
  manager!: string;
  @Field(() => Int)
  count!: number;
  @Field(() => [Package])
  items!: Package[];
}
