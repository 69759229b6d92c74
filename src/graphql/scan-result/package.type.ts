import { Field, ObjectType } from 'type-graphql';

@ObjectType()
export class Package {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  version!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "The package manager's state word: dpkg's `installed`, `unpacked`, `half-configured`, `half-installed`, `triggers-awaited`, `triggers-pending`. Null for rpm, apk and pacman, which list only installed packages.",
  })
  state?: string | null;
}
